import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { JobError } from '../domain/errors.js';
import type { JobStatusName } from '../domain/JobStatusName.js';
import type { AccessRelation, AccessRelationship, AccessSubjectType, Job } from '../domain/model.js';
import type { CacheStats } from './BlobStore.js';
import type { JobLedgerSession, ReadFileInput } from './JobLedgerSession.js';

/** A session that keeps a local file cache of its own (the remote client): a handle reports and clears it. */
export interface SessionFileCache {
  getCacheStats(): TE.TaskEither<JobError, CacheStats>;
  cleanupCache(): TE.TaskEither<JobError, CacheStats>;
}

/** The properties `updateProperties` takes (at least one). */
export type JobPropertiesInput = Parameters<JobLedgerSession['updateProperties']>[1];

/**
 * One job's calls, as the seed SDK's `Job` has them: the session's calls with the job's id bound. Every call
 * returns a `TaskEither` like the session's, and each one is a delegation to the session it was made over
 * (in process, remote, or traced), so a handle cannot behave differently from the session. Calls that answer a
 * Job (`refresh`, `archive`, `restore`, `update*`) also keep it as {@link JobHandle.job}.
 */
export interface JobHandle {
  /** The job's id. */
  readonly id: string;
  /** The last Job value a call of this handle read (or the one it was made with); undefined before any. */
  readonly job: Job | undefined;
  /** Reads the job again (`getJob`) and keeps it as `job`. */
  refresh(): TE.TaskEither<JobError, Job>;
  /** Waits for a terminal status (`pollJob`). */
  pollJob(input?: { timeoutMs?: number; signal?: AbortSignal }): TE.TaskEither<JobError, JobStatusName>;
  updateProperties(input: JobPropertiesInput): TE.TaskEither<JobError, Job>;
  updateDescription(description: string): TE.TaskEither<JobError, Job>;
  updateDisplayName(displayName: string): TE.TaskEither<JobError, Job>;
  updateExternalIdentifier(externalIdentifier: string): TE.TaskEither<JobError, Job>;
  updateVersionName(versionName: string): TE.TaskEither<JobError, Job>;
  readBytes(input?: ReadFileInput): TE.TaskEither<JobError, Uint8Array>;
  readText(input?: ReadFileInput): TE.TaskEither<JobError, string>;
  readJson(input?: ReadFileInput): TE.TaskEither<JobError, unknown>;
  copyTo(
    path: string,
    input?: ReadFileInput,
  ): TE.TaskEither<JobError, { path: string; bytes: number; revision: number }>;
  /**
   * The local file cache's stats: the session's own when it keeps one (the remote client); in process there is
   * no cache between a session and its files, so all zero.
   */
  getCacheStats(): TE.TaskEither<JobError, CacheStats>;
  /** Empties the session's local file cache (the remote client's); in process a no-op answering all zero. */
  cleanupCache(): TE.TaskEither<JobError, CacheStats>;
  createAccess(input: {
    subjectType: AccessSubjectType;
    subjectId: string;
    relation: AccessRelation;
  }): TE.TaskEither<JobError, AccessRelationship>;
  createAccessByEmail(input: {
    email: string;
    relation: AccessRelation;
  }): TE.TaskEither<JobError, AccessRelationship>;
  updateAccess(
    accessId: string,
    input: { relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  removeAccess(accessId: string): TE.TaskEither<JobError, AccessRelationship>;
  listAccess(): TE.TaskEither<JobError, readonly AccessRelationship[]>;
  /** Archives the job (`archiveJob`). */
  archive(input?: { reason?: string }): TE.TaskEither<JobError, Job>;
  /** Restores an archived job (`restoreJob`). */
  restore(input?: { reason?: string }): TE.TaskEither<JobError, Job>;
}

/** What a handle answers for the cache of a session without one: nothing cached, no bound. */
const noCache: CacheStats = { entries: 0, bytes: 0, hits: 0, misses: 0, maxBytes: 0 };

const hasFileCache = (session: object): session is SessionFileCache =>
  typeof (session as Partial<SessionFileCache>).getCacheStats === 'function' &&
  typeof (session as Partial<SessionFileCache>).cleanupCache === 'function';

/**
 * A {@link JobHandle} for the job `id` over any session: in process (`ledger.as(...)`), the remote client, or
 * a telemetry-wrapped session. `session.job(id)` is this, over the session itself.
 *
 * @example
 * import * as E from 'fp-ts/lib/Either.js';
 * import { createJobLedger, openStore } from 'jobledger';
 *
 * const ledger = createJobLedger({ store: openStore('memory:') });
 * const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
 * const created = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json', content: '{}' } })();
 * if (E.isRight(created)) {
 *   const job = alice.job(created.right.id); // or createJobHandle(alice, id)
 *   await job.updateDisplayName('Run 1')();
 *   console.log(job.job?.file.displayName); // 'Run 1': the last value read
 *   const params = await job.readJson()(); // Right({})
 *   await job.archive({ reason: 'done' })();
 * }
 */
export const createJobHandle = (session: JobLedgerSession, id: string, job?: Job): JobHandle => {
  let last = job;
  // Keeps a Job a call answered: the handle's `job` is the last value read.
  const kept = (call: TE.TaskEither<JobError, Job>): TE.TaskEither<JobError, Job> =>
    pipe(
      call,
      TE.tapIO((value) => () => {
        last = value;
      }),
    );
  const cache = hasFileCache(session) ? session : undefined;
  return {
    id,
    get job() {
      return last;
    },
    refresh: () => kept(session.getJob(id)),
    pollJob: (input) => session.pollJob(id, input),
    updateProperties: (input) => kept(session.updateProperties(id, input)),
    updateDescription: (v) => kept(session.updateDescription(id, v)),
    updateDisplayName: (v) => kept(session.updateDisplayName(id, v)),
    updateExternalIdentifier: (v) => kept(session.updateExternalIdentifier(id, v)),
    updateVersionName: (v) => kept(session.updateVersionName(id, v)),
    readBytes: (input) => session.readBytes(id, input),
    readText: (input) => session.readText(id, input),
    readJson: (input) => session.readJson(id, input),
    copyTo: (path, input) => session.copyTo(id, path, input),
    getCacheStats: () => (cache ? cache.getCacheStats() : TE.right(noCache)),
    cleanupCache: () => (cache ? cache.cleanupCache() : TE.right(noCache)),
    createAccess: (input) => session.createAccess(id, input),
    createAccessByEmail: (input) => session.createAccessByEmail(id, input),
    updateAccess: (accessId, input) => session.updateAccess(id, accessId, input),
    removeAccess: (accessId) => session.removeAccess(id, accessId),
    listAccess: () => session.listAccess(id),
    archive: (input) => kept(session.archiveJob(id, input)),
    restore: (input) => kept(session.restoreJob(id, input)),
  };
};
