import * as E from 'fp-ts/lib/Either.js';
import { JobError } from '../domain/errors.js';
import { isTerminalStatus, type JobStatusName } from '../domain/JobStatusName.js';
import { relationOf } from '../domain/policy.js';
import type { Principal } from '../domain/principal.js';
import { jobStreamId, type StoredEvent } from '../domain/storedEvent.js';
import type { LedgerContext } from './LedgerContext.js';

/** Default wait of `pollJob` when no `timeoutMs` is given. */
export const defaultPollTimeoutMs = 60_000;

const terminalOf = (event: StoredEvent): JobStatusName | undefined => {
  if (event.type !== 'JobStatusChanged') return undefined;
  const to = (event.data as { to?: unknown }).to;
  return typeof to === 'string' && isTerminalStatus(to as JobStatusName) ? (to as JobStatusName) : undefined;
};

/**
 * Resolves with the job's terminal status as soon as the event that ends it is appended (by this process or,
 * where the store can tell, another one). Registers with the live feed before looking at the current state, so
 * a completion in between is never missed. @internal
 */
export const pollJob = (
  ctx: LedgerContext,
  principal: Principal,
  jobId: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<E.Either<JobError, JobStatusName>> =>
  new Promise((resolve) => {
    const streamId = jobStreamId(jobId);
    let stop = () => {};
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    const onAbort = () => {
      const afterMs = Date.now() - started;
      finish(
        E.left({
          _tag: 'Timeout',
          afterMs,
          message: `pollJob(${jobId}) was aborted by its signal after ${afterMs} ms`,
        }),
      );
    };
    let done = false;
    const finish = (result: E.Either<JobError, JobStatusName>) => {
      if (done) return;
      done = true;
      stop();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    if (signal?.aborted) return onAbort();
    // At once, not after the first look: an abort during that read must not be missed.
    signal?.addEventListener('abort', onAbort, { once: true });
    void (async () => {
      // Look first without a listener: no subscription for a job that is already over (or invisible).
      const first = await ctx.readModel.getJob(jobId);
      if (done) return;
      if (first === undefined || relationOf(principal, first) === 'none')
        return finish(E.left(JobError.notFound('job', jobId)));
      if (first.status !== null && isTerminalStatus(first.status)) return finish(E.right(first.status));
      // The shared feed: no store read or subscription of its own, whatever the number of waiters.
      stop = ctx.feed.listen(streamId, undefined, (event) => {
        const to = terminalOf(event);
        if (to !== undefined) finish(E.right(to));
      });
      timer = setTimeout(
        () => finish(E.left(JobError.timeout(timeoutMs, `pollJob(${jobId}): the job`))),
        timeoutMs,
      );
      // Read again once the feed knows where it starts: a completion in between is in one or the other.
      await ctx.feed.ready();
      if (done) return;
      const now = await ctx.readModel.getJob(jobId);
      if (now?.status != null && isTerminalStatus(now.status)) finish(E.right(now.status));
    })().catch((cause) =>
      finish(E.left(JobError.store(`pollJob(${jobId}) failed: ${String(cause)}`, cause))),
    );
  });
