import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { CreateJobInput, ListJobsInput } from '../domain/codecs/inputs.js';
import type { JobError } from '../domain/errors.js';
import type { JobStatusName } from '../domain/JobStatusName.js';
import type {
  AccessRelation,
  AccessRelationship,
  AccessSubjectType,
  Comment,
  Job,
  JobFile,
  JobStatus,
  NoJobResponse,
  PageJob,
  ResourceArchiveStatus,
} from '../domain/model.js';
import type { Principal } from '../domain/principal.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { FileRevision } from '../domain/fileRevisions.js';
import type { Readable } from 'node:stream';
import type { FileContent } from './jobFiles.js';
import type { JobHandle } from './jobHandle.js';

export type { CreateJobInput, ListJobsInput, FileContent };

/** `createJob`'s input: as {@link CreateJobInput}, and the file may carry its `content`. */
export type NewJobInput = Omit<CreateJobInput, 'file'> & {
  readonly file: CreateJobInput['file'] & { readonly content?: FileContent };
};

/** Which revision of a job's file to read (default: the current one, the last added). */
export interface ReadFileInput {
  readonly revision?: number;
}

/** A verified stream of one revision's bytes, with the file it belongs to (for download routes). */
export interface FileStream {
  readonly revision: number;
  readonly file: JobFile;
  /** Fails with an Error whose `error` is a StoreError of kind `file-altered` if the bytes do not check out. */
  readonly stream: Readable;
}

/** What an agent's claim may ask for (`getJobForAgent`), besides `max` (the batch size). */
export interface AgentClaimInput {
  /** Only jobs of these functions. */
  functionIds?: string[];
  /** How long to wait for a claimable job, in ms (default 0: answer at once). */
  waitMs?: number;
  /** Ends the wait early (with no job). */
  signal?: AbortSignal;
}

/**
 * Every call of a principal's view of the ledger (DESIGN section 4). Each returns a `TaskEither<JobError, T>`.
 * This is the app's port toward its users: `ledger.as(principal)` implements it in process (`./session/`, one
 * file per concern).
 */
export interface JobLedgerSession {
  readonly principal: Principal;
  /** Creates a job (Created, then Pending unless `draft: true`). The creator becomes its owner. */
  createJob(input: NewJobInput): TE.TaskEither<JobError, Job>;
  /** Submits a draft: Created -> Pending. */
  submitJob(id: string): TE.TaskEither<JobError, Job>;
  getJob(id: string): TE.TaskEither<JobError, Job>;
  /** A page of the jobs this principal may see. `page` is 1-based, `size` 1..100 (default 10). */
  listJobs(input?: ListJobsInput): TE.TaskEither<JobError, PageJob>;
  updateStatus(
    id: string,
    input: { status: JobStatusName; message?: string; agentId?: string },
  ): TE.TaskEither<JobError, Job>;
  cancelJob(id: string, input?: { message?: string }): TE.TaskEither<JobError, Job>;
  assignAgent(id: string, input: { agentId: string }): TE.TaskEither<JobError, Job>;
  /**
   * For agents, in batches: claims up to `max` (1..100) eligible Pending jobs, oldest first, in one call, and
   * answers them (an empty array when none is eligible). Each job is claimed exactly once, as by single claims;
   * on Postgres the claims share one candidate query and one transaction. With `waitMs`, waits up to that long
   * for at least one job to become claimable. A claim that fails after others succeeded is left out (the job
   * stays Pending): the jobs answered are held by this agent.
   *
   * @example
   * const jobs = await agent.getJobForAgent({ max: 10 })(); // Right([job1, ..., job10]) with a backlog
   */
  getJobForAgent(input: AgentClaimInput & { max: number }): TE.TaskEither<JobError, readonly Job[]>;
  /**
   * For agents: claims the oldest eligible Pending job atomically, or answers a NoJobResponse. With `waitMs`,
   * waits up to that long for a job to become claimable (woken by the ledger's live feed, not a timer); `signal`
   * ends the wait early with a NoJobResponse.
   *
   * @example
   * const job = await agent.getJobForAgent({ waitMs: 30_000 })(); // Right(Job) as soon as one is Pending
   */
  getJobForAgent(input?: AgentClaimInput & { max?: undefined }): TE.TaskEither<JobError, Job | NoJobResponse>;
  /** For the agent holding the job: extends its lease. */
  heartbeat(id: string): TE.TaskEither<JobError, { leaseExpiresAt: Date }>;
  /** Waits for a terminal status (event-driven). `Timeout` after `timeoutMs` (default 60 s) or on abort. */
  pollJob(
    id: string,
    input?: { timeoutMs?: number; signal?: AbortSignal },
  ): TE.TaskEither<JobError, JobStatusName>;
  archiveJob(id: string, input?: { reason?: string }): TE.TaskEither<JobError, Job>;
  restoreJob(id: string, input?: { reason?: string }): TE.TaskEither<JobError, Job>;
  updateProperties(
    id: string,
    input: { displayName?: string; description?: string; externalIdentifier?: string; versionName?: string },
  ): TE.TaskEither<JobError, Job>;
  updateDescription(id: string, description: string): TE.TaskEither<JobError, Job>;
  updateDisplayName(id: string, displayName: string): TE.TaskEither<JobError, Job>;
  updateExternalIdentifier(id: string, externalIdentifier: string): TE.TaskEither<JobError, Job>;
  updateVersionName(id: string, versionName: string): TE.TaskEither<JobError, Job>;
  addComment(id: string, input: { content: string }): TE.TaskEither<JobError, Comment>;
  createAccess(
    id: string,
    input: { subjectType: AccessSubjectType; subjectId: string; relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  createAccessByEmail(
    id: string,
    input: { email: string; relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  updateAccess(
    id: string,
    accessId: string,
    input: { relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  removeAccess(id: string, accessId: string): TE.TaskEither<JobError, AccessRelationship>;
  listAccess(id: string): TE.TaskEither<JobError, readonly AccessRelationship[]>;
  statusHistory(id: string): TE.TaskEither<JobError, readonly JobStatus[]>;
  archiveHistory(id: string): TE.TaskEither<JobError, readonly ResourceArchiveStatus[]>;
  /** The audit trail: the job's stored events, up to `asOf` when given. */
  history(id: string, input?: { asOf?: Date | string }): TE.TaskEither<JobError, readonly StoredEvent[]>;
  /** The job as it was at `at` (time travel). NotFound if it did not exist yet. */
  jobAsOf(id: string, at: Date | string): TE.TaskEither<JobError, Job>;
  /**
   * For the agent holding the job, while it is Uploading: stores `content` and adds it as the next revision of
   * the job's file (`JobFileRevisionAdded`). Conflict outside Uploading or from a stale agent.
   */
  uploadResult(
    id: string,
    input: { name: string; content: FileContent; mime?: string },
  ): TE.TaskEither<JobError, Job>;
  /** Every revision of the job's file, oldest first (revision 1 is the file the job was created with). */
  fileRevisions(id: string): TE.TaskEither<JobError, readonly FileRevision[]>;
  /** The bytes of the file (current revision, or `revision`), checked against their sha256. */
  readBytes(id: string, input?: ReadFileInput): TE.TaskEither<JobError, Uint8Array>;
  /** The file as UTF-8 text, checked. */
  readText(id: string, input?: ReadFileInput): TE.TaskEither<JobError, string>;
  /** The file parsed as JSON, checked; a ValidationError when it is not JSON. */
  readJson(id: string, input?: ReadFileInput): TE.TaskEither<JobError, unknown>;
  /** Streams the file to `path` (constant memory); `path` is replaced only once the bytes checked out. */
  copyTo(
    id: string,
    path: string,
    input?: ReadFileInput,
  ): TE.TaskEither<JobError, { path: string; bytes: number; revision: number }>;
  /** The file as a stream that checks itself as it ends (for download routes). */
  openFile(id: string, input?: ReadFileInput): TE.TaskEither<JobError, FileStream>;
  /**
   * A handle on the job `id`: this session's calls with the id bound, as the seed SDK's Job has them
   * (`refresh`, `archive`, `readJson`, `updateDisplayName`, ...), and `job`, the last value read. Reads
   * nothing by itself: an id the principal may not see fails on the handle's first call, with `NotFound`.
   *
   * @example
   * const job = alice.job(id);
   * await job.refresh()();
   * await job.updateDescription('nightly run')();
   * console.log(job.job?.file.description); // 'nightly run'
   */
  job(id: string): JobHandle;
}
