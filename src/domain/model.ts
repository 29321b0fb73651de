import type { JobStatusName } from './JobStatusName.js';

/** The function a job runs, as a FunctionVersion of the SDK. */
export interface FunctionVersion {
  readonly id: string;
  readonly functionId: string | null;
  readonly name: string | null;
  readonly versionName: string | null;
}

/** The file a job produces (its parameters file at first). Property updates apply to it. */
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

/** A comment on a job. */
export interface Comment {
  readonly id: string;
  readonly created: Date;
  readonly jobId: string;
  readonly content: string;
  readonly createdById: string;
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
  readonly file: JobFile;
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
