import type { JobStatusName } from './JobStatusName.js';

/** The function a job runs, as a FunctionVersion of the SDK. */
export interface FunctionVersion {
  readonly id: string;
  readonly functionId: string | null;
  readonly name: string | null;
  readonly versionName: string | null;
}

/**
 * The properties of a job's file at one revision (its parameters file at first), flat. A {@link File} carries
 * those of its current revision; property updates apply to them.
 */
export interface JobFile {
  readonly name: string;
  readonly extension: string | null;
  readonly mime: string | null;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly description: string | null;
  readonly displayName: string | null;
  readonly externalIdentifier: string | null;
  readonly versionName: string | null;
}

/**
 * A token of the SDK: what identifies one version of a revision's content or properties. `sha` is the sha256
 * (hex) of the content (of the canonical JSON of the properties, for a properties token); jobledger does not
 * salt its hashes, so `salt` is empty. A file recorded by name only, without a sha256, has an empty `sha`.
 */
export interface Token {
  readonly id: string;
  readonly created: Date;
  readonly sha: string;
  readonly salt: string;
  readonly createdById: string | null;
}

/** One entry of a file revision's archive history: a {@link ResourceArchiveStatus} naming its revision. */
export interface FileRevisionArchiveStatus extends ResourceArchiveStatus {
  readonly fileRevisionId: string;
}

/**
 * One revision of a file, in the SDK's shape (its `FileRevision`; named `JobFileRevision` here because
 * `FileRevision` already names an entry of `fileRevisions(id)`). Property updates change the current
 * revision's fields; `revision` (1, 2, ...) is an extra of jobledger.
 */
export interface JobFileRevision {
  readonly id: string;
  readonly created: Date;
  readonly fileId: string | null;
  readonly contentToken: Token;
  readonly propertiesToken: Token;
  readonly archiveStatusHistory: readonly FileRevisionArchiveStatus[];
  readonly name: string | null;
  /** The name without its extension (`params` of `params.json`). */
  readonly stem: string | null;
  /** The extension with its dot (`.json`), as Python's `pathlib` names it. */
  readonly suffix: string | null;
  readonly extension: string | null;
  readonly description: string | null;
  readonly size: number | null;
  readonly mime: string | null;
  readonly versionName: string | null;
  readonly externalIdentifier: string | null;
  readonly displayName: string | null;
  readonly createdById: string | null;
  /** When the revision's properties last changed; null while they are as recorded. */
  readonly updated: Date | null;
  /** 1 for the file a job was created with, then 2, 3, ... (extra of jobledger). */
  readonly revision: number;
}

/**
 * A file in the SDK's shape (its `File`): every revision, oldest first, and its own archive history. The
 * current revision's fields are also kept flat on the file ({@link JobFile}: `file.name`, `file.sha256`, ...),
 * as the SDK's File offers them as properties; on the wire they are extra fields the SDK ignores.
 */
export interface File extends JobFile {
  readonly id: string;
  readonly created: Date;
  readonly revisions: readonly JobFileRevision[];
  readonly archiveStatusHistory: readonly ResourceArchiveStatus[];
  readonly resourceId: string | null;
  readonly resourceType: 'job' | null;
  readonly createdById: string | null;
  /** When the file last changed (a revision added, properties updated); null while it is as created. */
  readonly updated: Date | null;
}

/** One entry of a job's status history. */
export interface JobStatus {
  readonly id: string;
  readonly created: Date;
  readonly jobId: string;
  readonly name: JobStatusName;
  readonly createdById: string;
  readonly message: string | null;
  readonly agentId: string | null;
}

export type ArchiveStatusName = 'Active' | 'Archived';

/** One entry of a resource's archive history; a new job starts with one `Active` entry. */
export interface ResourceArchiveStatus {
  readonly id: string;
  readonly created: Date;
  readonly name: ArchiveStatusName;
  readonly reason: string | null;
  readonly createdById: string;
}

/**
 * A comment on a job, in the SDK's shape (its `Comment`): the text is the content of its `file` (one revision,
 * `comment.txt`), `resourceId` is the job's id. `content` (the text) and `jobId` are extras of jobledger.
 */
export interface Comment {
  readonly id: string;
  readonly created: Date;
  readonly file: File;
  readonly comments: readonly Comment[];
  readonly archiveStatusHistory: readonly ResourceArchiveStatus[];
  readonly createdById: string;
  readonly resourceId: string;
  readonly resourceType: 'job';
  readonly jobId: string;
  readonly content: string;
}

export type AccessRelation = 'viewer' | 'editor' | 'owner' | 'administrator';
export type AccessSubjectType = 'user' | 'agent' | 'email';

/** A grant of `relation` on a job to a subject (a user id, an agent id, or an email address). */
export interface AccessRelationship {
  readonly id: string;
  readonly created: Date;
  readonly jobId: string;
  readonly subjectType: AccessSubjectType;
  readonly subjectId: string;
  readonly relation: AccessRelation;
  readonly createdById: string;
}

/** A job, in the SDK's shape (camelCase here, snake_case on the wire). */
export interface Job {
  readonly id: string;
  readonly created: Date;
  readonly file: File;
  readonly comments: readonly Comment[];
  readonly archiveStatusHistory: readonly ResourceArchiveStatus[];
  readonly createdById: string;
  readonly function: FunctionVersion;
  readonly assignedAgentId: string | null;
  readonly assignedAgentPoolId: string | null;
  readonly agentId: string | null;
  readonly tenantId: string;
  readonly modelId: string | null;
  readonly statusHistory: readonly JobStatus[];
}

/** A page of jobs. `nextCursor` continues after the last item (keyset paging), or is null at the end. */
export interface PageJob {
  readonly items: readonly Job[];
  readonly total: number;
  readonly page: number;
  readonly size: number;
  readonly pages: number;
  readonly nextCursor: string | null;
}

/** What `getJobForAgent` answers when no job is eligible. */
export interface NoJobResponse {
  readonly message: string;
}

export interface JobStatusMessage {
  readonly message: string;
}
export interface NewJobAssignedAgent {
  readonly agentId: string;
}
export interface NoOpResponse {
  readonly status: string;
  readonly message: string;
}

/** The current status of a job: the last entry of its status history. */
export const currentStatus = (job: Job): JobStatusName =>
  job.statusHistory[job.statusHistory.length - 1]!.name;

/** The current archive status of a job. */
export const currentArchiveStatus = (job: Job): ArchiveStatusName =>
  job.archiveStatusHistory[job.archiveStatusHistory.length - 1]!.name;

/** True when `value` is a {@link NoJobResponse} rather than a Job. */
export const isNoJobResponse = (value: Job | NoJobResponse): value is NoJobResponse => !('id' in value);
