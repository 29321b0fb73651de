/**
 * The status names of a job, as in the job SDK (2026.03).
 *
 * `JobStatusName` is both a constant object and a string union:
 * @example
 * import { JobStatusName } from 'jobledger';
 * const s: JobStatusName = JobStatusName.PENDING; // 'Pending'
 */
export const JobStatusName = {
  CREATED: 'Created',
  PENDING: 'Pending',
  CLAIMED: 'Claimed',
  VALIDATING: 'Validating',
  RUNNING: 'Running',
  UPLOADING: 'Uploading',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  UNKNOWN: 'Unknown',
} as const;

export type JobStatusName = (typeof JobStatusName)[keyof typeof JobStatusName];

/** Every status name, in the order of the SDK. */
export const jobStatusNames: readonly JobStatusName[] = Object.values(JobStatusName);

/** Completed, Failed and Canceled: nothing leaves them. */
export const terminalStatuses: readonly JobStatusName[] = ['Completed', 'Failed', 'Canceled'];

/** True when no status change can leave `status`. */
export const isTerminalStatus = (status: JobStatusName): boolean => terminalStatuses.includes(status);

/** Statuses in which an agent holds the job under a lease. */
export const leasedStatuses: readonly JobStatusName[] = ['Claimed', 'Validating', 'Running', 'Uploading'];

/** True when `value` is one of the ten status names. */
export const isJobStatusName = (value: unknown): value is JobStatusName =>
  typeof value === 'string' && (jobStatusNames as readonly string[]).includes(value);
