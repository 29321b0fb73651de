import type { EventEmitter } from 'node:events';
import type { JobError } from '../../domain/errors.js';
import type { Job } from '../../domain/model.js';
import type { FileContent, JobLedgerSession } from '../JobLedgerSession.js';

/** What a handler may do while it runs a job. */
export interface WorkerContext {
  /** Aborted when the lease is lost, the job is canceled, or the worker stops past its grace. */
  readonly signal: AbortSignal;
  /**
   * Reports progress: renews the lease (rate-limited to one renewal per `progressEveryMs`) and emits the
   * worker's `progress` event with the message. The ledger has no status message without a status change yet,
   * so the message is not written to the job's history.
   */
  progress(message: string): void;
  /** Moves the job to Uploading (once) and adds `content` as the next revision of its file. */
  uploadResult(content: FileContent, file: { name: string; mime?: string }): Promise<Job>;
  /** Renews the lease now; answers when it runs out. Rejects (and aborts `signal`) when the lease is lost. */
  heartbeat(): Promise<Date>;
}

/** What `validate` may do besides failing (throw). */
export interface ValidateContext {
  readonly signal: AbortSignal;
  /** Gives the job back (Validating -> Pending) instead of running it. */
  release(message?: string): void;
  heartbeat(): Promise<Date>;
}

/** What a handler may answer: the Completed status's message. */
export interface HandlerResult {
  readonly message?: string;
}

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /**
   * An agent's session: `ledger.as({ kind: 'agent', ... })` in process, or a remote client
   * (`createJobLedgerClient({ url, token })` of `jobledger/client`, connected or not: the server refuses a user's
   * token at the first claim, which the worker reports as an `error` and stops claiming).
   */
  readonly session: JobLedgerSession;
  /** Runs one job. Return (or a {@link HandlerResult}) -> Completed; throw -> Failed with the error's message. */
  readonly handler: (job: Job, ctx: WorkerContext) => Promise<void | HandlerResult>;
  /** When given, each job passes through Validating first; a throw fails it, `ctx.release()` gives it back. */
  readonly validate?: (job: Job, ctx: ValidateContext) => Promise<void> | void;
  /** Jobs run at once (default 1, at most 1 000). */
  readonly concurrency?: number;
  /** Only jobs of these function ids. */
  readonly functionIds?: readonly string[];
  /** How often a running job's lease is renewed (default a third of `leaseMs`, then of each renewed lease). */
  readonly heartbeatEveryMs?: number;
  /** The ledger's lease, to derive the first heartbeat's time (default 60 000, the ledger's default). */
  readonly leaseMs?: number;
  /** How long `stop()` lets running handlers finish before it aborts them (default 30 000). */
  readonly shutdownGraceMs?: number;
  /** How long `stop()` waits, after aborting handlers past the grace, for them to return (default 1 000). */
  readonly abortedHandlerWaitMs?: number;
  /** How long one claim waits for work before asking again (default 30 000; the HTTP server holds at most 60 s). */
  readonly claimWaitMs?: number;
  /** The least time between two progress renewals of one job (default 1 000). */
  readonly progressEveryMs?: number;
  /** The first and the longest pause after a failed claim while the store or server is unreachable. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * Where the worker's time comes from (default: the real clock and timers). Heartbeats, pauses, the cancel watch's
   * delay and the shutdown grace all wait on `clock.sleep`, so a test can hand it `createTestLedger`'s virtual
   * clock (`jobledger/testing`) and run a worker with no real timers.
   */
  readonly clock?: WorkerClock;
}

/**
 * A clock for {@link WorkerOptions.clock}: `now()`, and `sleep(ms, signal?)` that resolves after `ms` and rejects
 * when `signal` aborts (as `setTimeout` of `node:timers/promises` does).
 */
export interface WorkerClock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Counts since `start()`. */
export interface WorkerStats {
  readonly claimed: number;
  readonly completed: number;
  readonly failed: number;
  readonly released: number;
  readonly leaseLost: number;
  readonly canceled: number;
  /** Jobs whose handler is running now. */
  readonly running: number;
  readonly errors: number;
  readonly state: 'idle' | 'running' | 'stopping' | 'stopped';
}

/** Why a handler's signal was aborted. */
export type AbortReason = 'lease-lost' | 'canceled' | 'shutdown';

/** The events a worker emits, with their arguments. */
export interface WorkerEvents {
  claimed: [job: Job];
  completed: [job: Job];
  failed: [job: Job, message: string];
  released: [job: Job, message: string];
  /** The job's lease was lost (fenced, or the job ended elsewhere): the handler was aborted, nothing more written. */
  leaseLost: [job: Job, reason: AbortReason, error?: JobError];
  /** The job was canceled while this worker held it: the handler was aborted, nothing more written. */
  canceled: [job: Job];
  progress: [job: Job, message: string];
  /** A failure outside a handler: the store unreachable (once per outage), a report that could not be written. */
  error: [error: JobError | Error, job?: Job];
  /** The store is reachable again after an outage. */
  recovered: [];
}

/** A running loop of claims: see {@link createWorker}. */
export interface Worker extends EventEmitter<WorkerEvents> {
  /** Starts claiming (idempotent). */
  start(): Worker;
  /**
   * Stops claiming at once, lets running handlers finish within `shutdownGraceMs`, then aborts them and gives back
   * what the machine allows (Claimed/Validating -> Pending); Running jobs are left to lease expiry.
   */
  stop(): Promise<void>;
  /** Settles when the worker has stopped (after `stop()`). */
  readonly done: Promise<void>;
  stats(): WorkerStats;
}
