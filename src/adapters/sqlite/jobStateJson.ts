import type { JobState } from '../../domain/jobState.js';
import { jsonText } from '../../domain/codecs/jsonText.js';
import { isSdkFile, upgradeStoredJob } from '../../domain/sdkFiles.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
interface Dated {
  created: unknown;
  updated?: unknown;
}
interface StoredFile extends Dated {
  revisions?: (Dated & { contentToken: Dated; propertiesToken: Dated; archiveStatusHistory: Dated[] })[];
  archiveStatusHistory?: Dated[];
}
interface StoredComment extends Dated {
  file?: StoredFile;
  comments?: StoredComment[];
  archiveStatusHistory?: Dated[];
}

// The last text revived: a state carries the same instant many times, and parsing a date text costs far more
// than comparing it. Each call still answers its own Date object.
let lastText: unknown = Symbol('nothing revived yet');
let lastTime = Number.NaN;

/** JSON writes an invalid Date as null; bring it back as an invalid Date rather than the epoch. */
const revive = (value: unknown): Date => {
  if (value === null) return new Date(Number.NaN);
  if (value === lastText) return new Date(lastTime);
  const date = new Date(value as string);
  lastText = value;
  lastTime = date.getTime();
  return date;
};

const reviveAll = (items: readonly Dated[]): void => {
  for (const item of items) item.created = revive(item.created);
};

const reviveUpdated = (item: Dated): void => {
  if (item.updated !== null && item.updated !== undefined) item.updated = revive(item.updated);
};

// Files and comments in the SDK's shape (see domain/sdkFiles.ts); rows written before it have none of these.
const reviveFile = (file: StoredFile): void => {
  file.created = revive(file.created);
  reviveUpdated(file);
  reviveAll(file.archiveStatusHistory ?? []);
  for (const r of file.revisions ?? []) {
    r.created = revive(r.created);
    reviveUpdated(r);
    r.contentToken.created = revive(r.contentToken.created);
    r.propertiesToken.created = revive(r.propertiesToken.created);
    reviveAll(r.archiveStatusHistory);
  }
};

const reviveComment = (comment: StoredComment): void => {
  comment.created = revive(comment.created);
  if (comment.file !== undefined) reviveFile(comment.file);
  reviveAll(comment.archiveStatusHistory ?? []);
  for (const reply of comment.comments ?? []) reviveComment(reply);
};

/**
 * The JSON text of a job state as the `jobs.state` column holds it (dates as ISO-8601 strings): the text of
 * `JSON.stringify(state)`, written by `jsonText` (a projection writes one per event; the dates made it slow).
 */
export const encodeJobState = (state: JobState): string => jsonText(state);

/**
 * Reads a `jobs.state` column back into a {@link JobState}, with every date a `Date` again. The parsed objects
 * are fresh, so the dates are revived in place rather than copied. A row written before files and comments had
 * the SDK's shape is brought to it (`upgradeStoredJob`).
 */
export const decodeJobState = (text: string): JobState => {
  const state = JSON.parse(text) as Writable<JobState>;
  if (state.leaseExpiresAt !== null) state.leaseExpiresAt = revive(state.leaseExpiresAt);
  reviveAll(state.access as unknown as Dated[]);
  const job = state.job as unknown as
    | (Dated & {
        file: StoredFile;
        comments: StoredComment[];
        archiveStatusHistory: Dated[];
        statusHistory: Dated[];
      })
    | null;
  if (job !== null) {
    job.created = revive(job.created);
    reviveAll(job.archiveStatusHistory);
    reviveAll(job.statusHistory);
    if (isSdkFile(state.job!.file)) {
      reviveFile(job.file);
      for (const comment of job.comments) reviveComment(comment);
    } else {
      reviveAll(job.comments);
      state.job = upgradeStoredJob(state.job!, state.fileRevisions ?? 1);
    }
  }
  return state;
};
