import * as E from 'fp-ts/lib/Either.js';
import type { JobError } from '../../domain/errors.js';
import type { JobStatusName } from '../../domain/JobStatusName.js';
import type { Job } from '../../domain/model.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import { holdJobLease, WorkerCallError, type JobLease } from './jobLease.js';
import type { ResolvedWorkerOptions } from './workerOptions.js';
import type { AbortReason, WorkerContext, WorkerEvents } from './workerTypes.js';

/** What the worker lends one job's run. @internal */
export interface JobRunDeps {
  readonly session: JobLedgerSession;
  readonly options: ResolvedWorkerOptions;
  emit<K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]): void;
  count(what: 'completed' | 'failed' | 'released' | 'leaseLost' | 'canceled' | 'errors'): void;
  /** Registers the run's lease so that stop() can abort it past the grace; answers the unregister function. */
  track(lease: JobLease): () => void;
}

/** The longest status message the ledger takes (ShortText). */
const maxMessage = 4096;

const messageOf = (thrown: unknown): string => {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  const line = text.trim() || (thrown instanceof Error ? thrown.name : 'the handler failed');
  return line.length > maxMessage ? `${line.slice(0, maxMessage - 1)}…` : line;
};

/** A session call's value, or a thrown {@link WorkerCallError}. */
const must = async <A>(call: () => Promise<E.Either<JobError, A>>): Promise<A> => {
  const result = await call();
  if (E.isLeft(result)) throw new WorkerCallError(result.left);
  return result.right;
};

/**
 * Runs one claimed job to its end: Validating (when the worker validates), Running, the handler, then Completed
 * or Failed — or, when the lease was lost or the job canceled, nothing more; on shutdown past the grace, a job not
 * yet Running is given back (Claimed/Validating -> Pending) and a Running one is left to lease expiry.
 * Never throws: every failure becomes an event. @internal
 */
export const runClaimedJob = async (deps: JobRunDeps, claimed: Job): Promise<void> => {
  const { session, options, emit, count } = deps;
  const id = claimed.id;
  const lease = holdJobLease(session, claimed, {
    heartbeatEveryMs: options.heartbeatEveryMs,
    leaseMs: options.leaseMs,
    clock: options.clock,
  });
  const untrack = deps.track(lease);
  let status: JobStatusName = 'Claimed';
  let job = claimed;
  const report = async (to: JobStatusName, message?: string) => {
    job = await must(session.updateStatus(id, { status: to, ...(message !== undefined && { message }) }));
    status = to;
  };
  let lastProgress = 0;
  const ctx: WorkerContext = {
    signal: lease.signal,
    progress: (message) => {
      if (lease.lost !== undefined) return;
      emit('progress', job, message);
      const now = options.clock.now().getTime();
      if (now - lastProgress < options.progressEveryMs) return;
      lastProgress = now;
      lease.heartbeat().catch(() => {});
    },
    uploadResult: async (content, file) => {
      if (lease.lost !== undefined) throw new Error(`job ${id}: ${lease.lost}, the result was not uploaded`);
      if (status !== 'Uploading') await report('Uploading');
      job = await must(
        session.uploadResult(id, {
          name: file.name,
          content,
          ...(file.mime !== undefined && { mime: file.mime }),
        }),
      );
      return job;
    },
    heartbeat: () => lease.heartbeat(),
  };

  const abandoned = (reason: AbortReason) => {
    if (reason === 'shutdown') return giveBack();
    count(reason === 'canceled' ? 'canceled' : 'leaseLost');
    if (reason === 'canceled') emit('canceled', job);
    else emit('leaseLost', job, reason, lease.lostError);
  };
  // Shutdown: the machine lets an agent give back a job it has not started; a Running one waits for expiry.
  const giveBack = async () => {
    if (status !== 'Claimed' && status !== 'Validating') return;
    const message = 'the worker stopped before running the job';
    await report('Pending', message);
    count('released');
    emit('released', job, message);
  };

  try {
    let released: string | undefined;
    if (options.validate !== undefined) {
      await report('Validating');
      try {
        await options.validate(job, {
          signal: lease.signal,
          release: (message) => {
            released = message ?? 'released by the worker';
          },
          heartbeat: () => lease.heartbeat(),
        });
      } catch (thrown) {
        if (lease.lost !== undefined) return await abandoned(lease.lost);
        lease.end();
        await report('Failed', messageOf(thrown));
        count('failed');
        return emit('failed', job, messageOf(thrown));
      }
      if (lease.lost !== undefined) return await abandoned(lease.lost);
      if (released !== undefined) {
        lease.end();
        await report('Pending', released);
        count('released');
        return emit('released', job, released);
      }
    }
    if (lease.lost !== undefined) return await abandoned(lease.lost);
    await report('Running');
    let outcome: { ok: true; message?: string } | { ok: false; message: string };
    try {
      const result = await options.handler(job, ctx);
      outcome = { ok: true, ...(result?.message !== undefined && { message: result.message }) };
    } catch (thrown) {
      outcome = { ok: false, message: messageOf(thrown) };
    }
    // Fencing: once the lease is lost (or the job canceled) this worker writes nothing more for the job.
    if (lease.lost !== undefined) return await abandoned(lease.lost);
    lease.end();
    if (outcome.ok) {
      await report('Completed', outcome.message);
      count('completed');
      emit('completed', job);
    } else {
      await report('Failed', outcome.message);
      count('failed');
      emit('failed', job, outcome.message);
    }
  } catch (thrown) {
    // A report of ours was refused or failed: the job moved under us (Conflict) or the store is away.
    const error = thrown instanceof WorkerCallError ? thrown.error : undefined;
    if (lease.lost !== undefined && lease.lost !== 'shutdown') return abandoned(lease.lost);
    if (error?._tag === 'Conflict' || error?._tag === 'NotFound') {
      count('leaseLost');
      emit('leaseLost', job, 'lease-lost', error);
    } else {
      count('errors');
      emit('error', error ?? (thrown instanceof Error ? thrown : new Error(String(thrown))), job);
    }
  } finally {
    lease.end();
    untrack();
  }
};
