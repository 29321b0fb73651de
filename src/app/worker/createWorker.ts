import { EventEmitter } from 'node:events';
import * as E from 'fp-ts/lib/Either.js';
import type { JobError } from '../../domain/errors.js';
import type { Job, NoJobResponse } from '../../domain/model.js';
import type { JobLease } from './jobLease.js';
import { outageBackoff } from './outageBackoff.js';
import { runClaimedJob, type JobRunDeps } from './runClaimedJob.js';
import { pauseOn, resolveWorkerOptions } from './workerOptions.js';
import type { Worker, WorkerEvents, WorkerOptions, WorkerStats } from './workerTypes.js';

/** Claim failures that mean "the store or server is away", as opposed to a refusal that will not change. */
const isOutage = (error: JobError): boolean =>
  error._tag === 'StoreError' || error._tag === 'Timeout' || error._tag === 'ConcurrencyConflict';

/** The pause after a claim that answered "no job" without waiting (a session that does not wait). */
const noWaitPauseMs = 1000;

/**
 * Runs jobs: claims them through an agent's session (waiting for work on the ledger's live feed, not on a
 * timer), moves each through Validating (when `validate` is given) and Running, heartbeats its lease, and
 * reports Completed when `handler` returns or Failed with the thrown error's message. A lost lease or a cancel
 * aborts `ctx.signal` and nothing more is written for that job. Written against {@link JobLedgerSession} only,
 * so the same worker runs in process or against a remote client.
 *
 * Throws a `WorkerOptionsError` (its `error` a ValidationError naming each bad option) before anything is claimed.
 *
 * @example
 * import { createJobLedger, createWorker, openStore } from 'jobledger';
 * const ledger = createJobLedger({ store: openStore('sqlite:./jobledger.db') });
 * const worker = createWorker({
 *   session: ledger.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' }),
 *   concurrency: 4,
 *   handler: async (job, ctx) => {
 *     ctx.progress('working');
 *     await ctx.uploadResult(JSON.stringify({ ok: true }), { name: 'result.json' });
 *     return { message: 'done' };
 *   },
 * });
 * worker.on('failed', (job, message) => console.error(job.id, message));
 * worker.start();
 * process.on('SIGTERM', () => void worker.stop());
 */
export const createWorker = (options: WorkerOptions): Worker => {
  const resolved = resolveWorkerOptions(options);
  const { session, concurrency, shutdownGraceMs, clock } = resolved;
  const pause = (ms: number, signal: AbortSignal) => pauseOn(clock, ms, signal);
  const emitter = new EventEmitter<WorkerEvents>();
  // An `error` event without a listener would throw out of the loop: errors are counted and reported, never fatal.
  emitter.on('error', () => {});
  const counts = { claimed: 0, completed: 0, failed: 0, released: 0, leaseLost: 0, canceled: 0, errors: 0 };
  let state: WorkerStats['state'] = 'idle';
  const stopClaiming = new AbortController();
  const leases = new Set<JobLease>();
  const backoff = outageBackoff(resolved.backoff.initialMs, resolved.backoff.maxMs);
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let slots: Promise<void>[] = [];
  let stopping: Promise<void> | undefined;

  const deps: JobRunDeps = {
    session,
    options: resolved,
    emit: (event, ...args) => void emitter.emit(event, ...(args as never)),
    count: (what) => void counts[what]++,
    track: (lease) => {
      leases.add(lease);
      return () => leases.delete(lease);
    },
  };

  const claim = (): Promise<E.Either<JobError, Job | NoJobResponse>> =>
    session.getJobForAgent({
      ...(resolved.functionIds !== undefined && { functionIds: [...resolved.functionIds] }),
      waitMs: resolved.claimWaitMs,
      signal: stopClaiming.signal,
    })();

  /** A claim that completed as stop() began: the job goes back to Pending at once. */
  const giveBack = async (job: Job) => {
    const message = 'the worker stopped as it claimed the job';
    const released = await session.updateStatus(job.id, { status: 'Pending', message })();
    if (E.isLeft(released)) {
      counts.errors++;
      emitter.emit('error', released.left, job);
    } else {
      counts.released++;
      emitter.emit('released', released.right, message);
    }
  };

  const slot = async () => {
    while (!stopClaiming.signal.aborted) {
      let claimed: E.Either<JobError, Job | NoJobResponse>;
      const asked = clock.now().getTime();
      try {
        claimed = await claim();
      } catch (thrown) {
        claimed = E.left({
          _tag: 'StoreError',
          message: `claiming failed: ${String(thrown)}`,
          cause: thrown,
        });
      }
      if (E.isLeft(claimed)) {
        // stop() aborted the claim: the remote client answers that with a Left (in process it is a NoJobResponse).
        if (stopClaiming.signal.aborted) return;
        counts.errors++;
        if (!isOutage(claimed.left)) {
          // A refusal that retrying will not change (Forbidden, ValidationError): say so, and stop this slot.
          emitter.emit('error', claimed.left);
          return;
        }
        const { delayMs, started } = backoff.failed();
        if (started) emitter.emit('error', claimed.left);
        await pause(delayMs, stopClaiming.signal);
        continue;
      }
      if (backoff.succeeded()) emitter.emit('recovered');
      if (!('id' in claimed.right)) {
        // The wait ran out: ask again. A session that answers at once instead of waiting (one that ignores
        // waitMs) would make this loop spin: it gets a pause instead.
        if (clock.now().getTime() - asked < resolved.claimWaitMs / 2)
          await pause(noWaitPauseMs, stopClaiming.signal);
        continue;
      }
      counts.claimed++;
      emitter.emit('claimed', claimed.right);
      if (stopClaiming.signal.aborted) await giveBack(claimed.right);
      else await runClaimedJob(deps, claimed.right);
    }
  };

  const worker = Object.assign(emitter, {
    start() {
      if (state !== 'idle') return worker;
      state = 'running';
      slots = Array.from({ length: concurrency }, () => slot());
      return worker;
    },
    stop() {
      stopping ??= (async () => {
        if (state === 'idle') {
          state = 'stopped';
          resolveDone();
          return;
        }
        state = 'stopping';
        stopClaiming.abort();
        const all = Promise.all(slots).then(() => undefined);
        // The clock's timers stay referenced: one may be the only thing keeping the process alive until stop()
        // resolves.
        const timers = new AbortController();
        const graceOver = pause(shutdownGraceMs, timers.signal).then(() => 'grace-over' as const);
        if ((await Promise.race([all, graceOver])) === 'grace-over') {
          for (const lease of leases) lease.lose('shutdown');
          // A handler that ignores its signal does not hold stop() up: its job is left to lease expiry.
          await Promise.race([all, pause(resolved.abortedHandlerWaitMs, timers.signal)]);
        }
        timers.abort();
        state = 'stopped';
        resolveDone();
      })();
      return stopping;
    },
    done,
    stats: (): WorkerStats => ({ ...counts, running: leases.size, state }),
  }) as Worker;
  return worker;
};
