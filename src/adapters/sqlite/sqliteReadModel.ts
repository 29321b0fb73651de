import type BetterSqlite3 from 'better-sqlite3';
import type { JobStatusName } from '../../domain/JobStatusName.js';
import { encodeCursor, type JobRow } from '../../projections/jobListProjection.js';
import type { ReadModelStore } from '../../projections/ReadModelStore.js';
import { decodeJobState } from './jobStateJson.js';
import {
  claimCandidatesSql,
  countedTotalSql,
  cursorSql,
  filterSql,
  orderSql,
  visibilitySql,
  type SqlCondition,
} from './jobListSql.js';
import type { SqliteProjection } from './sqliteProjection.js';

/** What the read model needs from the store that owns the connection. */
export interface SqliteReadModelContext {
  readonly db: BetterSqlite3.Database;
  readonly projection: SqliteProjection;
  /** Runs `work` in a `BEGIN IMMEDIATE` transaction (committed, or rolled back when it throws). */
  readonly write: <T>(work: () => T) => T;
  /** Throws when the store is closed. */
  readonly ensureOpen: () => void;
  /**
   * How positions order, for a read model fed from another store whose positions are not integers (KurrentDB's
   * "commit:prepare"): negative when `a` comes first. The checkpoint is then stored as the position string.
   * Default: this store's positions, compared and stored as integers.
   */
  readonly comparePositions?: (a: string, b: string) => number;
}

interface JobColumns {
  readonly job_id: string;
  readonly tenant_id: string;
  readonly status: JobStatusName;
  readonly created: number | null;
  readonly created_by_id: string;
  readonly agent_id: string | null;
  readonly assigned_agent_id: string | null;
  readonly assigned_agent_pool_id: string | null;
  readonly model_id: string | null;
  readonly function_id: string;
  readonly archived: number;
  readonly lease_expires_at: number | null;
  readonly version: number;
  readonly state: string;
}

const dateOf = (ms: number | null): Date => new Date(ms ?? Number.NaN);

const rowOf = (c: JobColumns): JobRow => ({
  jobId: c.job_id,
  tenantId: c.tenant_id,
  status: c.status,
  created: dateOf(c.created),
  createdById: c.created_by_id,
  agentId: c.agent_id,
  assignedAgentId: c.assigned_agent_id,
  assignedAgentPoolId: c.assigned_agent_pool_id,
  modelId: c.model_id,
  functionId: c.function_id,
  archived: c.archived === 1,
  leaseExpiresAt: c.lease_expires_at === null ? null : dateOf(c.lease_expires_at),
  version: c.version,
});

/** Prepared statements for the listing queries, by SQL text (the shape depends on the filters given). */
const statementCache = (db: BetterSqlite3.Database, limit = 256) => {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (sql: string): BetterSqlite3.Statement => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      if (cache.size >= limit) cache.delete(cache.keys().next().value!);
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
};

const where = (conditions: readonly SqlCondition[]): SqlCondition => ({
  sql: conditions.map((c) => c.sql).join(' AND '),
  args: conditions.flatMap((c) => c.args),
});

/**
 * The read model of the SQLite store: the projection tables queried in SQL that reproduces the rules of
 * `jobListProjection.ts` and `policy.relationOf`, so it answers exactly like the memory read model.
 */
export const sqliteReadModel = (ctx: SqliteReadModelContext): ReadModelStore => {
  const { db, projection, write, ensureOpen, comparePositions } = ctx;
  const prepared = statementCache(db);
  // Shared with the projection: states this process wrote or read are decoded once (decodedStates.ts).
  const states = projection.states;
  const selectState = db.prepare<[string], string>('SELECT state FROM job_states WHERE job_id = ?').pluck();
  const selectGeneration = db
    .prepare<[], number>("SELECT position FROM checkpoints WHERE name = 'state-generation'")
    .pluck();
  // A deferred transaction that only reads: the statements in it see one snapshot of the file.
  const inSnapshot = db.transaction((work: () => unknown) => work());
  const readSnapshot = <T>(work: () => T): T => inSnapshot(work) as T;
  const selectDump = db.prepare<[], JobColumns>(
    'SELECT j.*, s.state FROM jobs j JOIN job_states s USING (job_id) ORDER BY j.job_id',
  );
  const selectExpired = db
    .prepare<[number, number, number], string>(
      // The deadline in force: a heartbeat renews the lease in job_leases (beside the stream), not in the row.
      // Rows renewed under an older claim of the same agent end before that agent's newer claim's lease did.
      `SELECT j.job_id FROM jobs j LEFT JOIN job_leases l ON l.job_id = j.job_id AND l.agent_id = j.agent_id
       WHERE j.lease_expires_at IS NOT NULL AND j.lease_expires_at <= ?
         AND (l.expires_at IS NULL OR l.expires_at <= ?)
       ORDER BY j.lease_expires_at, j.job_id LIMIT ?`,
    )
    .pluck();

  return {
    async getJob(jobId) {
      ensureOpen();
      // The row's text is read every time (one indexed read); only its decoding is kept.
      const text = selectState.get(jobId);
      if (text === undefined) {
        states.forget(jobId);
        return undefined;
      }
      return states.decode(jobId, text);
    },
    async listJobs(query, viewer) {
      ensureOpen();
      const matching = where([filterSql(query), visibilitySql(viewer)]);
      let total = 0;
      const counting = countedTotalSql(query, viewer) ?? [
        { sql: `SELECT count(*) FROM jobs j WHERE ${matching.sql}`, args: matching.args },
      ];
      for (const c of counting)
        total += prepared(c.sql)
          .pluck()
          .get(...c.args) as number;
      const cursor = query.cursor;
      const page = cursor === undefined ? matching : where([matching, cursorSql(cursor)]);
      const start = cursor === undefined ? (query.page - 1) * query.size : 0;
      // The page's ids and versions (an index answers the order), then a state for each: the one decoded before
      // at that version and state generation, else its text, read and decoded. Never the state JSON of rows that
      // are sorted or skipped, nor of rows decoded before. One snapshot for all of it, and one row more than the
      // page tells whether there is a next page.
      const pageRows = prepared(
        `SELECT j.job_id, j.version FROM jobs j WHERE ${page.sql} ORDER BY ${orderSql(query.sort)} LIMIT ? OFFSET ?`,
      );
      const { rows, items } = readSnapshot(() => {
        const generation = selectGeneration.get() ?? 0;
        const found = pageRows.all(...page.args, query.size + 1, start) as {
          job_id: string;
          version: number;
        }[];
        const jobs = found.slice(0, query.size).flatMap((r) => {
          let state = states.atVersion(r.job_id, r.version, generation);
          if (state === undefined) {
            const text = selectState.get(r.job_id);
            state = text === undefined ? undefined : states.decode(r.job_id, text, generation);
          }
          return state?.job == null ? [] : [state.job];
        });
        return { rows: found, items: jobs };
      });
      const last = items[items.length - 1];
      return {
        items,
        total,
        nextCursor:
          rows.length > query.size && last !== undefined
            ? encodeCursor({ created: last.created, jobId: last.id }, query.sort)
            : null,
      };
    },
    async claimCandidates(agent, functionIds, limit) {
      ensureOpen();
      const query = claimCandidatesSql(agent, functionIds, limit);
      return prepared(query.sql)
        .pluck()
        .all(...query.args) as string[];
    },
    async expiredLeases(now, limit) {
      ensureOpen();
      return selectExpired.all(now.getTime(), now.getTime(), limit);
    },
    async apply(events) {
      ensureOpen();
      write(() => {
        const checkpoint = projection.checkpoint();
        const fresh =
          checkpoint === null
            ? events
            : comparePositions === undefined
              ? events.filter((e) => Number(e.position) > Number(checkpoint))
              : events.filter((e) => comparePositions(e.position, String(checkpoint)) > 0);
        if (fresh.length === 0) return;
        projection.project(fresh);
        const last = fresh[fresh.length - 1]!.position;
        projection.setCheckpoint(comparePositions === undefined ? Number(last) : last);
      });
    },
    async checkpoint() {
      ensureOpen();
      const position = projection.checkpoint();
      return position === null ? null : String(position);
    },
    async reset() {
      ensureOpen();
      write(() => projection.clear());
    },
    async dump() {
      ensureOpen();
      const checkpoint = projection.checkpoint();
      const rows = selectDump.all();
      // The memory read model orders by JavaScript string order; SQLite's BINARY order agrees for ASCII ids only.
      rows.sort((a, b) => (a.job_id < b.job_id ? -1 : a.job_id > b.job_id ? 1 : 0));
      return {
        checkpoint: checkpoint === null ? null : String(checkpoint),
        jobs: rows.map((c) => ({ row: rowOf(c), state: decodeJobState(c.state) })),
      };
    },
  };
};
