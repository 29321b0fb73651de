import type { JobStatusName } from './JobStatusName.js';

/** A path into the input that failed validation, with what was expected and what came. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Nothing visible under this id for this principal (it may not exist, or it may not be yours). */
export interface NotFound {
  readonly _tag: 'NotFound';
  readonly message: string;
  readonly resource: string;
  readonly id: string;
}

/** The command does not fit the job's state: an edge the machine lacks, a stale agent, an archived job. */
export interface Conflict {
  readonly _tag: 'Conflict';
  readonly message: string;
  readonly jobId?: string;
  readonly from?: JobStatusName;
  readonly to?: JobStatusName;
  readonly allowed?: readonly JobStatusName[];
}

/** Optimistic concurrency retries were exhausted: other writers kept winning. Retry later. */
export interface ConcurrencyConflict {
  readonly _tag: 'ConcurrencyConflict';
  readonly message: string;
  readonly streamId: string;
  readonly attempts: number;
}

/** The principal may see the job but not do this to it. */
export interface Forbidden {
  readonly _tag: 'Forbidden';
  readonly message: string;
}

/** The input does not decode; `issues` names every failing path. Nothing was appended. */
export interface ValidationError {
  readonly _tag: 'ValidationError';
  readonly message: string;
  readonly issues: readonly ValidationIssue[];
}

/** A wait (pollJob) ran out of time. */
export interface Timeout {
  readonly _tag: 'Timeout';
  readonly message: string;
  readonly afterMs: number;
}

/**
 * What a {@link StoreError} is about, when it is about stored file content: `file-altered` (the bytes no longer
 * hash to the sha256 the ledger recorded) or `file-missing` (the blob store no longer holds them).
 */
export type StoreErrorKind = 'file-altered' | 'file-missing';

/** The event store or the blob store failed (I/O, corrupt data, closed store). */
export interface StoreError {
  readonly _tag: 'StoreError';
  readonly message: string;
  readonly cause?: unknown;
  /** Set when stored file content failed its integrity check (see {@link StoreErrorKind}). */
  readonly kind?: StoreErrorKind;
}

/** Every error a jobledger call can return, as a value. Switch on `_tag`. */
export type JobError =
  NotFound | Conflict | ConcurrencyConflict | Forbidden | ValidationError | Timeout | StoreError;

/** Constructors for {@link JobError} values. */
export const JobError = {
  notFound: (resource: string, id: string): NotFound => ({
    _tag: 'NotFound',
    resource,
    id,
    message: `${resource} ${id} not found (it does not exist or you have no access to it)`,
  }),
  conflict: (message: string, fields: Omit<Conflict, '_tag' | 'message'> = {}): Conflict => ({
    _tag: 'Conflict',
    message,
    ...fields,
  }),
  illegalTransition: (
    jobId: string,
    from: JobStatusName,
    to: JobStatusName,
    allowed: readonly JobStatusName[],
  ): Conflict => ({
    _tag: 'Conflict',
    jobId,
    from,
    to,
    allowed,
    message:
      allowed.length === 0
        ? `job ${jobId} is ${from}, a terminal status: it cannot move to ${to}`
        : `job ${jobId} cannot move from ${from} to ${to}; allowed from ${from}: ${allowed.join(', ')}`,
  }),
  concurrency: (streamId: string, attempts: number): ConcurrencyConflict => ({
    _tag: 'ConcurrencyConflict',
    streamId,
    attempts,
    message: `${streamId} kept changing under ${attempts} attempts; retry the command`,
  }),
  forbidden: (message: string): Forbidden => ({ _tag: 'Forbidden', message }),
  validation: (issues: readonly ValidationIssue[]): ValidationError => ({
    _tag: 'ValidationError',
    issues,
    message: `invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
  }),
  timeout: (afterMs: number, what: string): Timeout => ({
    _tag: 'Timeout',
    afterMs,
    message: `${what} did not finish within ${afterMs} ms`,
  }),
  store: (message: string, cause?: unknown): StoreError => ({ _tag: 'StoreError', message, cause }),
  /** Stored file content that is missing or no longer matches its recorded sha256. */
  integrity: (kind: StoreErrorKind, message: string): StoreError => ({ _tag: 'StoreError', kind, message }),
};

/** True when `value` is a {@link JobError}. */
export const isJobError = (value: unknown): value is JobError =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { _tag?: unknown })._tag === 'string' &&
  [
    'NotFound',
    'Conflict',
    'ConcurrencyConflict',
    'Forbidden',
    'ValidationError',
    'Timeout',
    'StoreError',
  ].includes((value as { _tag: string })._tag);
