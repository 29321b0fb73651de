import type { JobState } from '../domain/jobState.js';
import type { JobStatusName } from '../domain/JobStatusName.js';
import { leasedStatuses } from '../domain/JobStatusName.js';
import type { Principal } from '../domain/principal.js';

export type ArchiveFilter = 'active' | 'archived' | 'all';
export type JobSort = 'created' | '-created';

/** The keyset position of a row: where the next page starts. */
export interface JobCursor {
  readonly created: string;
  readonly id: string;
  readonly sort: JobSort;
}

/** A decoded `listJobs` query. */
export interface JobListQuery {
  readonly page: number;
  readonly size: number;
  readonly status?: JobStatusName;
  readonly agentId?: string;
  readonly assignedAgentId?: string;
  readonly assignedAgentPoolId?: string;
  readonly modelId?: string;
  readonly createdById?: string;
  readonly functionId?: string;
  readonly archiveStatus: ArchiveFilter;
  /** Inclusive. */
  readonly createdAfter?: Date;
  /** Exclusive. */
  readonly createdBefore?: Date;
  readonly sort: JobSort;
  readonly cursor?: JobCursor;
}

/** The indexed columns of one job in the job list. */
export interface JobRow {
  readonly jobId: string;
  readonly tenantId: string;
  readonly status: JobStatusName;
  readonly created: Date;
  readonly createdById: string;
  readonly agentId: string | null;
  readonly assignedAgentId: string | null;
  readonly assignedAgentPoolId: string | null;
  readonly modelId: string | null;
  readonly functionId: string;
  readonly archived: boolean;
  /** Set while an agent holds the job (Claimed, Validating, Running, Uploading). */
  readonly leaseExpiresAt: Date | null;
  readonly version: number;
}

/** The job-list row of a job state (the `jobListProjection`). */
export const jobListRow = (state: JobState): JobRow | undefined => {
  const job = state.job;
  if (job === null || state.status === null) return undefined;
  return {
    jobId: job.id,
    tenantId: job.tenantId,
    status: state.status,
    created: job.created,
    createdById: job.createdById,
    agentId: job.agentId,
    assignedAgentId: job.assignedAgentId,
    assignedAgentPoolId: job.assignedAgentPoolId,
    modelId: job.modelId,
    functionId: job.function.id,
    archived: state.archived,
    leaseExpiresAt: (leasedStatuses as readonly string[]).includes(state.status)
      ? state.leaseExpiresAt
      : null,
    version: state.version,
  };
};

/** True when `row` passes every filter of `query` (visibility is checked separately). */
export const rowMatches = (row: JobRow, q: JobListQuery): boolean =>
  (q.status === undefined || row.status === q.status) &&
  (q.agentId === undefined || row.agentId === q.agentId) &&
  (q.assignedAgentId === undefined || row.assignedAgentId === q.assignedAgentId) &&
  (q.assignedAgentPoolId === undefined || row.assignedAgentPoolId === q.assignedAgentPoolId) &&
  (q.modelId === undefined || row.modelId === q.modelId) &&
  (q.createdById === undefined || row.createdById === q.createdById) &&
  (q.functionId === undefined || row.functionId === q.functionId) &&
  (q.archiveStatus === 'all' || row.archived === (q.archiveStatus === 'archived')) &&
  (q.createdAfter === undefined || row.created.getTime() >= q.createdAfter.getTime()) &&
  (q.createdBefore === undefined || row.created.getTime() < q.createdBefore.getTime());

/** Orders rows by creation time, then id, ascending for `created` and descending for `-created`. */
export const compareRows =
  (sort: JobSort) =>
  (a: Pick<JobRow, 'created' | 'jobId'>, b: Pick<JobRow, 'created' | 'jobId'>): number => {
    const d =
      a.created.getTime() - b.created.getTime() || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0);
    return sort === 'created' ? d : -d;
  };

/** True when `row` comes after `cursor` in the cursor's sort order. */
export const isAfterCursor = (row: Pick<JobRow, 'created' | 'jobId'>, cursor: JobCursor): boolean =>
  compareRows(cursor.sort)(row, { created: new Date(cursor.created), jobId: cursor.id }) > 0;

/** The opaque `nextCursor` string for the last row of a page. */
export const encodeCursor = (row: Pick<JobRow, 'created' | 'jobId'>, sort: JobSort): string =>
  Buffer.from(JSON.stringify([row.created.toISOString(), row.jobId, sort])).toString('base64url');

/** Reads a cursor made by {@link encodeCursor}; undefined when it is not one. */
export const decodeCursor = (text: string): JobCursor | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [created, id, sort] = value as unknown[];
    if (typeof created !== 'string' || Number.isNaN(new Date(created).getTime())) return undefined;
    if (typeof id !== 'string' || (sort !== 'created' && sort !== '-created')) return undefined;
    return { created, id, sort };
  } catch {
    return undefined;
  }
};

/** True when a Pending row may be handed to `agent` (assignment, pool, function filter, not archived). */
export const claimableBy = (
  row: JobRow,
  agent: { readonly id: string; readonly tenantId: string; readonly poolIds?: readonly string[] },
  functionIds?: readonly string[],
): boolean =>
  row.status === 'Pending' &&
  !row.archived &&
  row.tenantId === agent.tenantId &&
  (row.assignedAgentId === null || row.assignedAgentId === agent.id) &&
  (row.assignedAgentPoolId === null || (agent.poolIds ?? []).includes(row.assignedAgentPoolId)) &&
  (functionIds === undefined || functionIds.length === 0 || functionIds.includes(row.functionId));

/** Principals a list query is answered for. */
export type Viewer = Principal;
