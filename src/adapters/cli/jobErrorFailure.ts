import type { JobError } from '../../domain/errors.js';
import { cliFailure, type CliFailure } from './cliFailure.js';

/** What to do next, for each kind of {@link JobError} a command can meet. */
const nextStep: Record<JobError['_tag'], string> = {
  NotFound: 'check the id; jobledger jobs --archive-status all lists every job',
  Conflict: 'the job is not in a state that allows this; see jobledger history <jobId>',
  ConcurrencyConflict: 'other writers kept winning; run the command again',
  Forbidden: 'this principal may not do that',
  ValidationError: 'check the values you passed (jobledger <command> --help)',
  Timeout: 'try again, or allow more time',
  StoreError: 'check the store (jobledger verify), or rerun with JOBLEDGER_DEBUG=1',
};

/**
 * A {@link JobError} as the one line the CLI prints: its message, then what to do.
 *
 * @example
 * jobErrorFailure(JobError.notFound('job', 'j-1'), 'history');
 * // jobledger: history: job j-1 not found (...); check the id; jobledger jobs --archive-status all lists every job
 */
export const jobErrorFailure = (error: JobError, during: string): CliFailure =>
  cliFailure(`${during}: ${error.message}`, nextStep[error._tag]);
