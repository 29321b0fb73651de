import type { LeaseRenewal, StreamSnapshot } from '../../domain/EventStore.js';
import { isCompleteSnapshot, leaseInForce, type JobState } from '../../domain/jobState.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import { relationOf } from '../../domain/policy.js';
import { deepFreeze } from './deepFreeze.js';
import { projectJobEvent } from '../../projections/applyToReadModel.js';
import {
  claimableBy,
  compareRows,
  encodeCursor,
  isAfterCursor,
  jobListRow,
  rowMatches,
  type JobRow,
} from '../../projections/jobListProjection.js';
import type { ReadModelStore } from '../../projections/ReadModelStore.js';

interface Entry {
  readonly state: JobState;
  readonly row: JobRow;
}

/**
 * The read model in memory: one entry per job with its full state and its list row. `renewedLease` gives the
 * lease renewed beside a job's stream, so that `expiredLeases` answers by the deadline in force. Positions are compared as
 * integers (the memory store's positions are decimal counters).
 */
export const memoryReadModel = (
  renewedLease: (jobId: string) => LeaseRenewal | undefined = () => undefined,
): ReadModelStore & {
  applySync(events: readonly StoredEvent[]): void;
  /** The projected state of a job stream when it is complete enough to decide on (see isCompleteSnapshot). */
  snapshotOf(streamId: string): StreamSnapshot | undefined;
} => {
  let jobs = new Map<string, Entry>();
  let checkpoint: number | null = null;

  const applySync = (events: readonly StoredEvent[]): void => {
    for (const event of events) {
      const position = Number(event.position);
      if (checkpoint !== null && position <= checkpoint) continue;
      const jobId = event.streamId.startsWith('job-') ? event.streamId.slice(4) : undefined;
      const next = projectJobEvent(jobId === undefined ? undefined : jobs.get(jobId)?.state, event);
      if (next !== undefined) {
        const row = jobListRow(next.state);
        if (row !== undefined) jobs.set(next.jobId, deepFreeze({ state: next.state, row }));
      }
      checkpoint = position;
    }
  };

  return {
    applySync,
    snapshotOf(streamId) {
      const state = streamId.startsWith('job-') ? jobs.get(streamId.slice(4))?.state : undefined;
      return state !== undefined && isCompleteSnapshot(state) ? { version: state.version, state } : undefined;
    },
    async apply(events) {
      applySync(events);
    },
    async getJob(jobId) {
      return jobs.get(jobId)?.state;
    },
    async listJobs(query, viewer) {
      const sort = compareRows(query.sort);
      const matching = [...jobs.values()]
        .filter((e) => rowMatches(e.row, query) && relationOf(viewer, e.state) !== 'none')
        .sort((a, b) => sort(a.row, b.row));
      const cursor = query.cursor;
      const start = cursor === undefined ? (query.page - 1) * query.size : 0;
      const after = cursor === undefined ? matching : matching.filter((e) => isAfterCursor(e.row, cursor));
      const page = after.slice(start, start + query.size);
      const last = page[page.length - 1];
      const more = after.length > start + query.size;
      return {
        items: page.map((e) => e.state.job!),
        total: matching.length,
        nextCursor: more && last !== undefined ? encodeCursor(last.row, query.sort) : null,
      };
    },
    async claimCandidates(agent, functionIds, limit) {
      const oldest = compareRows('created');
      return [...jobs.values()]
        .filter((e) => claimableBy(e.row, agent, functionIds))
        .sort((a, b) => oldest(a.row, b.row))
        .slice(0, limit)
        .map((e) => e.row.jobId);
    },
    async expiredLeases(now, limit) {
      return [...jobs.values()]
        .filter((e) => {
          // The deadline in force: a heartbeat renews the lease beside the stream, not in the row.
          if (e.row.leaseExpiresAt === null) return false;
          const lease = leaseInForce(
            { ...e.state, leaseExpiresAt: e.row.leaseExpiresAt },
            renewedLease(e.row.jobId),
          );
          return lease !== null && lease.getTime() <= now.getTime();
        })
        .slice(0, limit)
        .map((e) => e.row.jobId);
    },
    async checkpoint() {
      return checkpoint === null ? null : String(checkpoint);
    },
    async reset() {
      jobs = new Map();
      checkpoint = null;
    },
    async dump() {
      return {
        checkpoint: checkpoint === null ? null : String(checkpoint),
        jobs: [...jobs.values()]
          .sort((a, b) => (a.row.jobId < b.row.jobId ? -1 : a.row.jobId > b.row.jobId ? 1 : 0))
          .map((e) => ({ row: e.row, state: e.state })),
      };
    },
  };
};
