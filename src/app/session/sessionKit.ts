import * as E from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import type { JobCommand } from '../../domain/decide.js';
import { JobError, type ValidationError } from '../../domain/errors.js';
import type { JobState } from '../../domain/jobState.js';
import type { Job } from '../../domain/model.js';
import { relationOf } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import { jobStreamId, type StoredEvent } from '../../domain/storedEvent.js';
import { handleCommand, type CommandCaller } from '../handleCommand.js';
import type { LedgerContext } from '../LedgerContext.js';

/** @internal */
export type Result<T> = Promise<E.Either<JobError, T>>;

type Codec<A> = Parameters<typeof decodeWith<A, unknown>>[0];

/**
 * What every part of a session shares: its principal, the ledger's context, and the steps each call is made of
 * (decode an input, run a command, read a visible job). One per session.
 * @internal
 */
export interface SessionKit {
  readonly ctx: LedgerContext;
  readonly principal: Principal;
  readonly caller: CommandCaller;
  decodeId(id: unknown): E.Either<ValidationError, string>;
  decode<A>(codec: Codec<A>, root: string, input: unknown): E.Either<ValidationError, A>;
  /** Decodes `input` and builds the command from it. */
  withInput<A>(
    codec: Codec<A>,
    root: string,
    input: unknown,
    f: (a: A) => JobCommand,
  ): E.Either<ValidationError, JobCommand>;
  /** Runs a command on the job `id` (after decoding both); answers the job's state after it. */
  run(id: unknown, command: JobCommand | E.Either<ValidationError, JobCommand>): Result<JobState>;
  /** The job of a state a command answered. */
  jobOf(p: Result<JobState>): Result<Job>;
  /** A job this principal may see, from the read model; NotFound otherwise. */
  visible(id: unknown): Result<JobState>;
  /** Every stored event of a job's stream. */
  readStream(jobId: string): Result<StoredEvent[]>;
}

/** @internal */
export const createSessionKit = (
  ctx: LedgerContext,
  principal: Principal,
  options: { correlationId?: string } = {},
): SessionKit => {
  const caller: CommandCaller = {
    principal,
    ...(options.correlationId !== undefined && { correlationId: options.correlationId }),
  };

  const decodeId = (id: unknown): E.Either<ValidationError, string> =>
    decodeWith(inputCodecs.jobId, 'id')(id);

  const decode = <A>(codec: Codec<A>, root: string, input: unknown) => decodeWith(codec, root)(input);

  return {
    ctx,
    principal,
    caller,
    decodeId,
    decode,
    withInput: (codec, root, input, f) => E.map(f)(decode(codec, root, input)),
    run: (id, command) => {
      const jobId = decodeId(id);
      if (E.isLeft(jobId)) return Promise.resolve(jobId);
      const cmd = 'type' in command ? E.right(command) : command;
      if (E.isLeft(cmd)) return Promise.resolve(cmd);
      return handleCommand(ctx, jobId.right, caller, cmd.right)();
    },
    jobOf: async (p) => E.map((s: JobState) => s.job!)(await p),
    visible: async (id) => {
      const jobId = decodeId(id);
      if (E.isLeft(jobId)) return jobId;
      try {
        const state = await ctx.readModel.getJob(jobId.right);
        if (state === undefined || state.job === null || relationOf(principal, state) === 'none') {
          return E.left(JobError.notFound('job', jobId.right));
        }
        return E.right(state);
      } catch (cause) {
        return E.left(JobError.store(`reading job ${jobId.right} failed: ${String(cause)}`, cause));
      }
    },
    readStream: async (jobId) => {
      try {
        const events: StoredEvent[] = [];
        for await (const e of ctx.store.readStream(jobStreamId(jobId))) events.push(e);
        return E.right(events);
      } catch (cause) {
        return E.left(JobError.store(`reading job ${jobId} failed: ${String(cause)}`, cause));
      }
    },
  };
};
