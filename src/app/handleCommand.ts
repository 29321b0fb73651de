import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { JobEvent } from '../domain/codecs/events.js';
import { currentSchemaVersion } from '../domain/codecs/events.js';
import { decide, type JobCommand } from '../domain/decide.js';
import { JobError } from '../domain/errors.js';
import type { AppendResult } from '../domain/EventStore.js';
import type { JobState } from '../domain/jobState.js';
import { actorOf, type Principal } from '../domain/principal.js';
import { foldJobStream } from '../domain/replay.js';
import { jobStreamId, type NewEvent, type StoredEvent } from '../domain/storedEvent.js';
import type { LedgerContext } from './LedgerContext.js';

/** Who asks, and the correlation of the request. @internal */
export interface CommandCaller {
  readonly principal: Principal;
  readonly correlationId?: string;
  /** Overrides the clock for this command (lease expiry at a given `now`). */
  readonly now?: Date;
}

const toNewEvents = (events: readonly JobEvent[], caller: CommandCaller, at: Date): NewEvent[] =>
  events.map((e) => ({
    type: e.type,
    schemaVersion: currentSchemaVersion[e.type],
    data: e.data,
    metadata: {
      recordedAt: at.toISOString(),
      actor: actorOf(caller.principal),
      ...(caller.correlationId !== undefined && { correlationId: caller.correlationId }),
    },
  }));

const corrupt = (jobId: string, message: string) =>
  JobError.store(`the stream of job ${jobId} does not replay (${message}); run verify`);

/**
 * Runs one command on one job: read the stream, decide, append with the expected version, and retry a lost
 * race a bounded number of times (or, where the store can, decide inside its write transaction). Answers the
 * job's state after the command.
 * @internal
 */
export const handleCommand =
  (
    ctx: LedgerContext,
    jobId: string,
    caller: CommandCaller,
    command: JobCommand,
  ): TE.TaskEither<JobError, JobState> =>
  async () => {
    const streamId = jobStreamId(jobId);
    const now = caller.now ?? ctx.clock();
    const decideCtx = { principal: caller.principal, now, newId: ctx.ids, leaseMs: ctx.leaseMs };
    const after = (state: JobState, result: AppendResult): E.Either<JobError, JobState> =>
      E.mapLeft((e: JobError) => corrupt(jobId, e.message))(
        foldJobStream(result.events, ctx.upcasters, state),
      );

    if (ctx.store.execute !== undefined) {
      let before: JobState | undefined;
      const result = await ctx.store.execute<JobError>(streamId, (stream: readonly StoredEvent[]) => {
        const folded = foldJobStream(stream, ctx.upcasters);
        if (E.isLeft(folded)) return E.left(corrupt(jobId, folded.left.message));
        before = folded.right;
        return E.map((events: JobEvent[]) => toNewEvents(events, caller, now))(
          decide(command, before, decideCtx),
        );
      })();
      if (E.isLeft(result)) return result;
      return after(before!, result.right);
    }

    for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
      const stream: StoredEvent[] = [];
      try {
        for await (const event of ctx.store.readStream(streamId)) stream.push(event);
      } catch (cause) {
        return E.left(JobError.store(`reading ${streamId} failed: ${String(cause)}`, cause));
      }
      const folded = foldJobStream(stream, ctx.upcasters);
      if (E.isLeft(folded)) return E.left(corrupt(jobId, folded.left.message));
      const state = folded.right;
      const decided = decide(command, state, decideCtx);
      if (E.isLeft(decided)) return decided;
      if (decided.right.length === 0) return E.right(state);
      const appended = await ctx.store.append(streamId, toNewEvents(decided.right, caller, now), {
        expected: state.version === -1 ? 'no-stream' : state.version,
      })();
      if (E.isRight(appended)) return after(state, appended.right);
      if (appended.left._tag !== 'WrongExpectedVersion') return E.left(appended.left);
    }
    return E.left(JobError.concurrency(streamId, ctx.maxAttempts));
  };
