import type BetterSqlite3 from 'better-sqlite3';
import type { JobState } from '../../domain/jobState.js';
import type { JobStatus } from '../../domain/model.js';
import { jobIdOfStream, type StoredEvent } from '../../domain/storedEvent.js';
import { projectJobEvent } from '../../projections/applyToReadModel.js';
import { jobListRow, type JobRow } from '../../projections/jobListProjection.js';
import { decodedStates, type DecodedStates } from './decodedStates.js';
import { encodeJobState } from './jobStateJson.js';

/** Epoch milliseconds of a date, or null for an invalid one (SQLite would store NaN as NULL anyway). */
export const millis = (date: Date | null): number | null => {
  if (date === null) return null;
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : ms;
};

/**
 * Writes the projection tables (jobs, job_states, job_agents, access) and the read-model checkpoint. Every method
 * runs inside a write transaction the caller holds: the store calls `project` in the transaction of the append,
 * so a read after a write always sees it.
 */
export interface SqliteProjection {
  /**
   * Applies events (in global order) to the job rows. The checkpoint is left to the caller. `known` holds states
   * of jobs as they are stored in the caller's transaction (read before, by {@link load} or an earlier call):
   * they are not read again, and the states written are put in it. The caller forgets it when the transaction
   * (or a savepoint of it) rolls back.
   */
  project(events: readonly StoredEvent[], known?: Map<string, JobState | undefined>): void;
  /**
   * The read-model checkpoint, or null before any event was applied. An integer for this store's own positions;
   * a string when a read model fed from another store (KurrentDB: "commit:prepare") saved its position.
   */
  checkpoint(): number | string | null;
  setCheckpoint(position: number | string | null): void;
  /**
   * Marks the projection as written in the transaction of every append of this file's own log, so that its
   * checkpoint is the log's last position (read, never written again per commit: one page fewer per append).
   * Cheap when already marked; a rebuild's `setCheckpoint` ends the mark until the next append.
   */
  followLog(): void;
  /** Empties every projection table and the checkpoint, and moves to the next state generation. */
  clear(): void;
  /** The projected state of one job (one read of `jobs.state`; decoded once per stored text, see `states`). */
  load(jobId: string): JobState | undefined;
  /**
   * The decoded states of recently read jobs, shared with the read model's `getJob` and `listJobs`: a command
   * on a job this process just read decodes nothing. Exact: the stored text is read and compared every time
   * (decodedStates.ts). (Keeping the states this process writes as well was measured: 7% more CPU per
   * createJob from the states kept, no gain on claims; they are not kept.)
   */
  readonly states: DecodedStates;
}

interface Tracked {
  /** The state as stored before this call, to write only what changed. */
  readonly stored: JobState | undefined;
  current: JobState | undefined;
  row: JobRow | undefined;
}

/** The checkpoint of a projection written with every append of its own file's log: the log's last position. */
const followsLog = -1;

/** The items of `after` that `before` lacks, when `after` only grew; undefined when it changed otherwise. */
const appendedTail = <T>(before: readonly T[], after: readonly T[]): readonly T[] | undefined => {
  if (before === after) return [];
  if (after.length < before.length) return undefined;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) return undefined;
  return after.slice(before.length);
};

/** The projection writer over the tables of `migrations.ts`, with its statements prepared once. */
export const sqliteProjection = (db: BetterSqlite3.Database): SqliteProjection => {
  const states = decodedStates();
  const selectState = db.prepare<[string], string>('SELECT state FROM job_states WHERE job_id = ?').pluck();
  const upsertJob = db.prepare(
    `INSERT INTO jobs (job_id, tenant_id, status, created, created_by_id, agent_id, assigned_agent_id,
       assigned_agent_pool_id, model_id, function_id, archived, lease_expires_at, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET tenant_id = excluded.tenant_id, status = excluded.status,
       created = excluded.created, created_by_id = excluded.created_by_id, agent_id = excluded.agent_id,
       assigned_agent_id = excluded.assigned_agent_id, assigned_agent_pool_id = excluded.assigned_agent_pool_id,
       model_id = excluded.model_id, function_id = excluded.function_id, archived = excluded.archived,
       lease_expires_at = excluded.lease_expires_at, version = excluded.version`,
  );
  // SQLite rewrites the entries of every index over a column an UPDATE assigns, changed or not: a job that
  // moves on updates only the columns that moved, so only their indexes are touched (status, lease, archive).
  const mutableColumns = [
    'status',
    'agent_id',
    'assigned_agent_id',
    'archived',
    'lease_expires_at',
    'version',
  ];
  const updates = new Map<number, BetterSqlite3.Statement>();
  const updateJob = (jobId: string, before: readonly unknown[], after: readonly unknown[]): void => {
    let mask = 0;
    const values: unknown[] = [];
    after.forEach((value, i) => {
      if (value !== before[i]) {
        mask |= 1 << i;
        values.push(value);
      }
    });
    if (mask === 0) return;
    let statement = updates.get(mask);
    if (statement === undefined) {
      const set = mutableColumns.filter((_, i) => (mask & (1 << i)) !== 0).map((c) => `${c} = ?`);
      statement = db.prepare(`UPDATE jobs SET ${set.join(', ')} WHERE job_id = ?`);
      updates.set(mask, statement);
    }
    statement.run(...values, jobId);
  };
  const mutableValues = (row: JobRow): unknown[] => [
    row.status,
    row.agentId,
    row.assignedAgentId,
    row.archived ? 1 : 0,
    millis(row.leaseExpiresAt),
    row.version,
  ];
  const upsertState = db.prepare(
    `INSERT INTO job_states (job_id, state) VALUES (?, ?)
     ON CONFLICT (job_id) DO UPDATE SET state = excluded.state`,
  );
  const insertAgent = db.prepare('INSERT OR IGNORE INTO job_agents (agent_id, job_id) VALUES (?, ?)');
  const insertAccess = db.prepare(
    `INSERT INTO access (job_id, access_id, subject_type, subject_id, subject_key, relation, created, created_by_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Rare (a status history only grows): keyed by agent, this scans.
  const deleteAgents = db.prepare('DELETE FROM job_agents WHERE job_id = ?');
  const deleteAccess = db.prepare('DELETE FROM access WHERE job_id = ?');
  const selectCheckpoint = db
    .prepare<[], number | string | null>("SELECT position FROM checkpoints WHERE name = 'read-model'")
    .pluck();
  const updateCheckpoint = db.prepare("UPDATE checkpoints SET position = ? WHERE name = 'read-model'");
  const selectLastPosition = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();

  const load = (jobId: string): JobState | undefined => {
    const text = selectState.get(jobId);
    if (text !== undefined) return states.decode(jobId, text);
    states.forget(jobId);
    return undefined;
  };

  /** Records the agents of a job's new status entries (all of them again when the history was not only extended). */
  const writeAgents = (jobId: string, before: readonly JobStatus[], after: readonly JobStatus[]): void => {
    let tail = appendedTail(before, after);
    if (tail === undefined) {
      deleteAgents.run(jobId);
      tail = after;
    }
    for (const s of tail)
      if (s.agentId !== null && s.agentId !== undefined) insertAgent.run(s.agentId, jobId);
  };

  const write = (jobId: string, stored: JobState | undefined, state: JobState, row: JobRow): void => {
    const job = state.job!;
    const before = stored === undefined ? undefined : jobListRow(stored);
    if (
      before !== undefined &&
      before.tenantId === row.tenantId &&
      millis(before.created) === millis(row.created) &&
      before.createdById === row.createdById &&
      before.assignedAgentPoolId === row.assignedAgentPoolId &&
      before.modelId === row.modelId &&
      before.functionId === row.functionId
    ) {
      updateJob(jobId, mutableValues(before), mutableValues(row));
    } else {
      upsertJob.run(
        jobId,
        row.tenantId,
        row.status,
        millis(row.created),
        row.createdById,
        row.agentId,
        row.assignedAgentId,
        row.assignedAgentPoolId,
        row.modelId,
        row.functionId,
        row.archived ? 1 : 0,
        millis(row.leaseExpiresAt),
        row.version,
      );
    }
    upsertState.run(jobId, encodeJobState(state));
    writeAgents(jobId, stored?.job?.statusHistory ?? [], job.statusHistory);
    // Access changes in place (update, revoke): rewrite the job's grants whenever the list is another one.
    if (stored === undefined || stored.access !== state.access) {
      if (stored !== undefined) deleteAccess.run(jobId);
      for (const a of state.access) {
        // Email grants match case-insensitively (policy.relationOf), so they are keyed lower-cased.
        const key = a.subjectType === 'email' ? a.subjectId.toLowerCase() : a.subjectId;
        insertAccess.run(
          jobId,
          a.id,
          a.subjectType,
          a.subjectId,
          key,
          a.relation,
          millis(a.created),
          a.createdById,
        );
      }
    }
  };

  return {
    load,
    states,
    project(events, known) {
      const tracked = new Map<string, Tracked>();
      for (const event of events) {
        const jobId = jobIdOfStream(event.streamId);
        if (jobId === undefined) continue;
        let entry = tracked.get(jobId);
        if (entry === undefined) {
          const stored = known?.has(jobId) ? known.get(jobId) : load(jobId);
          entry = { stored, current: stored, row: undefined };
          tracked.set(jobId, entry);
        }
        const next = projectJobEvent(entry.current, event);
        if (next === undefined) continue;
        // Like the memory read model: a state without a list row is not kept.
        const row = jobListRow(next.state);
        if (row === undefined) continue;
        entry.current = next.state;
        entry.row = row;
      }
      for (const [jobId, entry] of tracked) {
        if (entry.row !== undefined) {
          write(jobId, entry.stored, entry.current!, entry.row);
          known?.set(jobId, entry.current);
        }
      }
    },
    checkpoint() {
      const position = selectCheckpoint.get() ?? null;
      return position === followsLog ? (selectLastPosition.get() ?? null) : position;
    },
    setCheckpoint(position) {
      updateCheckpoint.run(position);
    },
    followLog() {
      if (selectCheckpoint.get() !== followsLog) updateCheckpoint.run(followsLog);
    },
    clear() {
      db.exec(`
        DELETE FROM jobs;
        DELETE FROM job_states;
        DELETE FROM job_agents;
        DELETE FROM access;
        DELETE FROM job_counts;
        UPDATE checkpoints SET position = NULL WHERE name = 'read-model';
        UPDATE checkpoints SET position = position + 1 WHERE name = 'state-generation';
      `);
    },
  };
};
