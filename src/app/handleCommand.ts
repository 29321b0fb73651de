import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { JobEvent } from '../domain/codecs/events.js';
import { currentSchemaVersion } from '../domain/codecs/events.js';
import { decide, decideLeaseRenewal, type JobCommand } from '../domain/decide.js';
import { JobError } from '../domain/errors.js';
import type { AppendResult, LeaseRenewal, LeaseStore, StreamSnapshot } from '../domain/EventStore.js';
import { initialJobState, isCompleteSnapshot, withLeaseInForce, type JobState } from '../domain/jobState.js';
import { actorOf, type Principal } from '../domain/principal.js';
import { foldJobStream } from '../domain/replay.js';
import { jobStreamId, type NewEvent, type StoredEvent } from '../domain/storedEvent.js';
import { defaultUpcasters } from '../domain/upcasters.js';
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
 * Read models project with the default upcasters: their states are snapshots this ledger may start from only
 * when it folds with the same ones.
 */
const trustsSnapshots = (ctx: LedgerContext): boolean => ctx.upcasters === defaultUpcasters;

/**
 * The job's state and version without folding its whole history: the read model's state (a snapshot) plus the
 * events after it. A read model that lags (KurrentDB's, fed asynchronously) only means more events to fold; the
 * expected-version check of the append keeps the decision exact either way.
 * @internal
 */
export const loadJobState = async (
  ctx: LedgerContext,
  jobId: string,
  options: { readonly withLease?: boolean } = {},
): Promise<E.Either<JobError, JobState>> => {
  const streamId = jobStreamId(jobId);
  let snapshot: JobState | undefined;
  let lease: LeaseRenewal | undefined;
  const stream: StoredEvent[] = [];
  try {
    // A renewal decides without the lease in force (it replaces it): one read fewer per heartbeat.
    if (options.withLease !== false) lease = await ctx.store.leases?.get(streamId);
    if (trustsSnapshots(ctx)) {
      const projected = await ctx.readModel.getJob(jobId);
      if (projected !== undefined && isCompleteSnapshot(projected)) snapshot = projected;
    }
    const from = snapshot === undefined ? 0 : snapshot.version + 1;
    for await (const event of ctx.store.readStream(streamId, { from })) stream.push(event);
  } catch (cause) {
    return E.left(JobError.store(`reading ${streamId} failed: ${String(cause)}`, cause));
  }
  return E.bimap(
    (e: JobError) => corrupt(jobId, e.message),
    (state: JobState) => withLeaseInForce(state, lease),
  )(foldJobStream(stream, ctx.upcasters, snapshot ?? initialJobState));
};

/** The state of a job from a store's transactional snapshot (if it gave one) and the events after it. */
const foldFrom = (
  ctx: LedgerContext,
  stream: readonly StoredEvent[],
  snapshot: StreamSnapshot | undefined,
  lease: LeaseRenewal | undefined,
): E.Either<JobError, JobState> =>
  E.map((state: JobState) => withLeaseInForce(state, lease))(
    foldJobStream(stream, ctx.upcasters, snapshot?.state ?? initialJobState),
  );

/**
 * A heartbeat on a store that keeps leases beside the streams: decide the renewal on the job's state and keep
 * it with a compare-and-set on the stream's version (a lost race is decided again). Nothing is appended.
 */
const renewLease = async (
  ctx: LedgerContext,
  leases: LeaseStore,
  jobId: string,
  caller: CommandCaller,
): Promise<E.Either<JobError, JobState>> => {
  const streamId = jobStreamId(jobId);
  const now = caller.now ?? ctx.clock();
  const decideCtx = { principal: caller.principal, now, newId: ctx.ids, leaseMs: ctx.leaseMs };
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    const loaded = await loadJobState(ctx, jobId, { withLease: false });
    if (E.isLeft(loaded)) return loaded;
    const renewal = decideLeaseRenewal(loaded.right, decideCtx);
    if (E.isLeft(renewal)) return renewal;
    const kept = await leases.renew(streamId, renewal.right, { expected: loaded.right.version })();
    if (E.isRight(kept)) return E.right({ ...loaded.right, leaseExpiresAt: renewal.right.expiresAt });
    if (kept.left._tag !== 'WrongExpectedVersion') return E.left(kept.left);
  }
  return E.left(JobError.concurrency(streamId, ctx.maxAttempts));
};

/**
 * Runs one command on one job: load its state (a snapshot plus the events after it: the cost does not grow
 * with the job's history), decide, append with the expected version, and retry a lost race a bounded number of
 * times (or, where the store can, decide inside its write transaction). Answers the job's state after the
 * command.
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
    const leases = ctx.store.leases;
    if (command.type === 'Heartbeat' && leases !== undefined) return renewLease(ctx, leases, jobId, caller);
    const streamId = jobStreamId(jobId);
    const now = caller.now ?? ctx.clock();
    const decideCtx = { principal: caller.principal, now, newId: ctx.ids, leaseMs: ctx.leaseMs };
    const after = (state: JobState, result: AppendResult): E.Either<JobError, JobState> =>
      E.mapLeft((e: JobError) => corrupt(jobId, e.message))(
        foldJobStream(result.events, ctx.upcasters, state),
      );

    if (ctx.store.execute !== undefined) {
      let before: JobState | undefined;
      const result = await ctx.store.execute<JobError>(
        streamId,
        (stream, snapshot, lease) => {
          const folded = foldFrom(ctx, stream, snapshot, lease);
          if (E.isLeft(folded)) return E.left(corrupt(jobId, folded.left.message));
          before = folded.right;
          return E.map((events: JobEvent[]) => toNewEvents(events, caller, now))(
            decide(command, before, decideCtx),
          );
        },
        { fromSnapshot: trustsSnapshots(ctx), withLease: command.type === 'ExpireLease' },
      )();
      if (E.isLeft(result)) return result;
      return after(before!, result.right);
    }

    for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
      const loaded = await loadJobState(ctx, jobId);
      if (E.isLeft(loaded)) return loaded;
      const state = loaded.right;
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
