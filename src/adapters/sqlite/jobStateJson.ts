import type { JobState } from '../../domain/jobState.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
interface Dated {
  created: unknown;
}

/** JSON writes an invalid Date as null; bring it back as an invalid Date rather than the epoch. */
const revive = (value: unknown): Date => (value === null ? new Date(Number.NaN) : new Date(value as string));

const reviveAll = (items: readonly Dated[]): void => {
  for (const item of items) item.created = revive(item.created);
};

/** The JSON text of a job state as the `jobs.state` column holds it (dates as ISO-8601 strings). */
export const encodeJobState = (state: JobState): string => JSON.stringify(state);

/**
 * Reads a `jobs.state` column back into a {@link JobState}, with every date a `Date` again. The parsed objects
 * are fresh, so the dates are revived in place rather than copied.
 */
export const decodeJobState = (text: string): JobState => {
  const state = JSON.parse(text) as Writable<JobState>;
  if (state.leaseExpiresAt !== null) state.leaseExpiresAt = revive(state.leaseExpiresAt);
  reviveAll(state.access as unknown as Dated[]);
  const job = state.job as unknown as
    (Dated & { comments: Dated[]; archiveStatusHistory: Dated[]; statusHistory: Dated[] }) | null;
  if (job !== null) {
    job.created = revive(job.created);
    reviveAll(job.comments);
    reviveAll(job.archiveStatusHistory);
    reviveAll(job.statusHistory);
  }
  return state;
};
