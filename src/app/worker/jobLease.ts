import * as E from 'fp-ts/lib/Either.js';
import type { JobError } from '../../domain/errors.js';
import type { Job } from '../../domain/model.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import { pauseOn } from './workerOptions.js';
import type { AbortReason, WorkerClock } from './workerTypes.js';

/** How long a job runs before its cancel watch starts: short jobs finish without paying for one. */
const cancelWatchDelayMs = 200;

/** The pause before the cancel watch asks again after its poll failed with a StoreError. */
const watchRetryMs = 250;

/** Thrown by `ctx.heartbeat()` and friends when a session call fails; `error` is the JobError. */
export class WorkerCallError extends Error {
  constructor(readonly error: JobError) {
    super(error.message);
  }
}

/**
 * The lease of one claimed job while its agent works on it: heartbeats at a third of the lease, a watch that
 * notices a cancel (or any terminal status written by someone else) through `pollJob` — event-driven, no
 * polling — and the AbortController that tells the handler. A heartbeat answered Conflict or NotFound means
 * the job is no longer ours (fenced after lease expiry, canceled, requeued): abort, and write nothing more.
 * @internal
 */
export interface JobLease {
  readonly signal: AbortSignal;
  /** Why the signal was aborted, or undefined while the job is still ours. */
  readonly lost: AbortReason | undefined;
  readonly lostError: JobError | undefined;
  heartbeat(): Promise<Date>;
  /** Aborts with `reason` unless already aborted. */
  lose(reason: AbortReason, error?: JobError): void;
  /** Stops heartbeats and the watch (the job is over for this worker). */
  end(): void;
}

export const holdJobLease = (
  session: JobLedgerSession,
  job: Job,
  options: { heartbeatEveryMs: number | undefined; leaseMs: number; clock: WorkerClock },
): JobLease => {
  const controller = new AbortController();
  const watch = new AbortController();
  let lost: AbortReason | undefined;
  let lostError: JobError | undefined;
  let ended = false;
  let everyMs = options.heartbeatEveryMs ?? Math.max(1, Math.floor(options.leaseMs / 3));
  const { clock } = options;
  // Aborted when the heartbeats stop: ends the pending sleep of the next one.
  const timers = new AbortController();

  const lose = (reason: AbortReason, error?: JobError) => {
    if (lost !== undefined || ended) return;
    lost = reason;
    lostError = error;
    controller.abort(reason);
    stopTimers();
  };
  const stopTimers = () => {
    timers.abort();
    watch.abort();
  };

  const heartbeat = async (): Promise<Date> => {
    const renewed = await session.heartbeat(job.id)();
    if (E.isLeft(renewed)) {
      const error = renewed.left;
      // Fencing: the ledger no longer counts us as the holder. Anything else (an outage) may pass.
      if (error._tag === 'Conflict' || error._tag === 'NotFound' || error._tag === 'Forbidden')
        lose('lease-lost', error);
      throw new WorkerCallError(error);
    }
    if (options.heartbeatEveryMs === undefined) {
      const left = renewed.right.leaseExpiresAt.getTime() - clock.now().getTime();
      if (left > 3) everyMs = Math.floor(left / 3);
    }
    return renewed.right.leaseExpiresAt;
  };

  const schedule = () => {
    if (ended || lost !== undefined) return;
    void pauseOn(clock, everyMs, timers.signal).then(() => {
      if (ended || lost !== undefined || timers.signal.aborted) return;
      heartbeat().then(schedule, schedule);
    });
  };

  const watchForEnd = async () => {
    while (!ended && lost === undefined && !watch.signal.aborted) {
      const polled = await session.pollJob(job.id, { timeoutMs: 60_000, signal: watch.signal })();
      if (ended || watch.signal.aborted) return;
      if (E.isRight(polled)) {
        // Terminal, and not by us (we end the lease before we write a terminal status).
        return lose(polled.right === 'Canceled' ? 'canceled' : 'lease-lost');
      }
      if (polled.left._tag === 'StoreError') {
        // An outage (a remote server restarting): keep watching once it is back, or a cancel would wait for the
        // next heartbeat's Conflict.
        await pauseOn(clock, watchRetryMs, watch.signal);
        continue;
      }
      if (polled.left._tag !== 'Timeout') return; // the heartbeats will tell
    }
  };

  schedule();
  void pauseOn(clock, cancelWatchDelayMs, watch.signal).then(() => {
    if (!watch.signal.aborted) void watchForEnd();
  });

  return {
    signal: controller.signal,
    get lost() {
      return lost;
    },
    get lostError() {
      return lostError;
    },
    heartbeat,
    lose,
    end() {
      ended = true;
      stopTimers();
    },
  };
};
