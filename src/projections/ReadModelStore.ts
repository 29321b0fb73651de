import type { EventStore } from '../domain/EventStore.js';
import type { JobState } from '../domain/jobState.js';
import type { Job } from '../domain/model.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { JobListQuery, JobRow, Viewer } from './jobListProjection.js';

/** One page of a job listing, before the page arithmetic of PageJob. */
export interface JobListResult {
  readonly items: readonly Job[];
  readonly total: number;
  readonly nextCursor: string | null;
}

/** What a read model holds, in a canonical form: rebuilding from the log must give exactly this. */
export interface ReadModelDump {
  readonly checkpoint: string | null;
  readonly jobs: readonly { readonly row: JobRow; readonly state: JobState }[];
}

/** Progress of a rebuild or catch-up. */
export interface ProjectionProgress {
  readonly events: number;
  readonly position: string | null;
}

/**
 * The port to the storage of read models (job rows with status history, archive history, comments and access).
 * Adapters implement it (memory maps, SQLite tables, Postgres tables); the rules of what a row is and which rows
 * match a query live in `jobListProjection.ts`, so every adapter answers alike.
 */
export interface ReadModelStore {
  /** The state of one job as projected, or undefined. */
  getJob(jobId: string): Promise<JobState | undefined>;
  /** The jobs `viewer` may see that match `query`, in the query's order, one page. */
  listJobs(query: JobListQuery, viewer: Viewer): Promise<JobListResult>;
  /** Ids of Pending jobs `agent` may claim, oldest first. */
  claimCandidates(
    agent: { readonly id: string; readonly tenantId: string; readonly poolIds?: readonly string[] },
    functionIds: readonly string[] | undefined,
    limit: number,
  ): Promise<readonly string[]>;
  /** Ids of held jobs whose lease expired at or before `now`. */
  expiredLeases(now: Date, limit: number): Promise<readonly string[]>;
  /** Applies events in global order; events at or before the checkpoint are skipped (idempotent). */
  apply(events: readonly StoredEvent[]): Promise<void>;
  /** The position of the last event applied, or null. */
  checkpoint(): Promise<string | null>;
  /** Forgets everything (before a rebuild). */
  reset(): Promise<void>;
  /** Everything, canonically ordered (by job id), for comparisons. */
  dump(): Promise<ReadModelDump>;
}

/** An event store that maintains a read model in the same transaction as each append. */
export interface ProjectedEventStore extends EventStore {
  readonly readModel: ReadModelStore;
  /** Rebuilds the read model from the log, resuming from the rebuild checkpoint if one was interrupted. */
  rebuildReadModel?(onProgress?: (p: ProjectionProgress) => void): Promise<ProjectionProgress>;
}

export const hasReadModel = (store: EventStore): store is ProjectedEventStore =>
  (store as Partial<ProjectedEventStore>).readModel !== undefined;
