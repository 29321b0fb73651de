import type pg from 'pg';
import type { JobState } from '../../domain/jobState.js';
import type { JobStatusName } from '../../domain/JobStatusName.js';
import { jobIdOfStream, jobStreamId, type StoredEvent } from '../../domain/storedEvent.js';
import { encodeCursor, type JobRow } from '../../projections/jobListProjection.js';
import type { ReadModelStore } from '../../projections/ReadModelStore.js';
import { decodedStates } from '../sqlite/decodedStates.js';
import { decodeJobState } from '../sqlite/jobStateJson.js';
import { jobChildTables, type PostgresNames } from './migrations.js';
import { cursorSql, filterSql, orderSql, SqlArgs, visibilitySql } from './postgresJobListSql.js';
import { claimCandidateQueries } from './claimCandidateQueries.js';
import { countedTotalSql, jobCountTables, keptJobCounts } from './postgresJobCounts.js';
import { comparePostgresPositions, parsePostgresPosition } from './postgresPosition.js';
import { foldProjection, jobProjectionPayload, projectionJson } from './postgresProjection.js';

/** What the read model needs from the store that owns the pool. */
export interface PostgresReadModelContext {
  readonly pool: pg.Pool;
  readonly names: PostgresNames;
  readonly description: string;
  /** Throws when the store is closed; runs the migrations on first use. */
  readonly ready: () => Promise<void>;
  /** Runs `work` in a transaction on one connection (committed, or rolled back when it throws). */
  readonly transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  /** The jobs this store object offered first to an agent whose claim is not done yet. */
  readonly offers: ClaimOffers;
  /**
   * For a read model fed from another store (KurrentDB: "commit:prepare" positions): how its positions order.
   * The checkpoint is then that store's position, saved with the rows of each `apply`, never this schema's log.
   */
  readonly comparePositions?: (a: string, b: string) => number;
}

/**
 * Spreads the agents of this store object over the queue. A job offered first to one agent is offered after the
 * others to the next agents, until `ttlMs` after its command on the job ended. And while this object's
 * claims keep losing races (to other instances), the unlocked candidates are rotated by a random offset: agents
 * released together by the winner's commit would otherwise all go for the same next job. Without contention the
 * order is strictly oldest first.
 */
export const claimOffers = (ttlMs = 500) => {
  const offered = new Map<string, number>();
  let contendedAt = Number.NEGATIVE_INFINITY;
  return {
    /** `ids` (oldest first, unlocked ones first) reordered as above; the first is now offered. */
    take(ids: readonly string[], unlocked: number): string[] {
      const now = Date.now();
      const taken = (id: string): boolean => {
        const at = offered.get(id);
        return at !== undefined && now - at < ttlMs;
      };
      let free = ids.slice(0, unlocked);
      if (now - contendedAt < ttlMs && free.length > 1) {
        const offset = Math.floor(Math.random() * free.length);
        free = [...free.slice(offset), ...free.slice(0, offset)];
      }
      const ordered = [...free.filter((id) => !taken(id)), ...free.filter(taken), ...ids.slice(unlocked)];
      if (ordered[0] !== undefined) offered.set(ordered[0], now);
      if (offered.size > 1000) for (const [id, at] of offered) if (now - at >= ttlMs) offered.delete(id);
      return ordered;
    },
    /**
     * The command on job `jobId` ended. An offered job stays behind the others for another `ttlMs`: it was most
     * likely claimed, and candidate lists read before that commit still show it as Pending, so the next agent
     * would only lose a race (and a round trip) on it.
     */
    settle(jobId: string): void {
      if (offered.has(jobId)) offered.set(jobId, Date.now());
    },
    /** A command on a job found the job changed under it: another writer (instance) got there first. */
    contended(): void {
      contendedAt = Date.now();
    },
  };
};

export type ClaimOffers = ReturnType<typeof claimOffers>;

interface JobColumns {
  readonly job_id: string;
  readonly tenant_id: string;
  readonly status: JobStatusName;
  readonly created: Date | null;
  readonly created_by_id: string;
  readonly agent_id: string | null;
  readonly assigned_agent_id: string | null;
  readonly assigned_agent_pool_id: string | null;
  readonly model_id: string | null;
  readonly function_id: string;
  readonly archived: boolean;
  readonly lease_expires_at: Date | null;
  readonly version: number;
  readonly state: string;
}

const rowOf = (c: JobColumns): JobRow => ({
  jobId: c.job_id,
  tenantId: c.tenant_id,
  status: c.status,
  created: c.created ?? new Date(Number.NaN),
  createdById: c.created_by_id,
  agentId: c.agent_id,
  assignedAgentId: c.assigned_agent_id,
  assignedAgentPoolId: c.assigned_agent_pool_id,
  modelId: c.model_id,
  functionId: c.function_id,
  archived: c.archived,
  leaseExpiresAt: c.lease_expires_at,
  version: c.version,
});

/**
 * The read model of the Postgres store: the projection tables (written in each append's transaction) queried in
 * SQL that reproduces the rules of `jobListProjection.ts` and `policy.relationOf`, so it answers exactly like
 * the memory read model.
 */
export const postgresReadModel = (
  ctx: PostgresReadModelContext,
): ReadModelStore & { saveCheckpoint?(position: string): Promise<void> } => {
  const { pool, names, ready, transaction, comparePositions } = ctx;
  const { q } = names;
  const jobs = q('jobs');
  const columns = `j.job_id, j.tenant_id, j.status, j.created, j.created_by_id, j.agent_id, j.assigned_agent_id,
    j.assigned_agent_pool_id, j.model_id, j.function_id, j.archived, j.lease_expires_at, j.version,
    j.state::text AS state`;

  /** Which events come after the checkpoint `seen`: by this schema's positions, or the feeding store's. */
  const isAfter = (seen: string): ((e: StoredEvent) => boolean) => {
    if (comparePositions !== undefined) return (e) => comparePositions(e.position, seen) > 0;
    const checkpointed = parsePostgresPosition(seen, ctx.description);
    return (e) =>
      comparePostgresPositions(parsePostgresPosition(e.position, ctx.description), checkpointed) > 0;
  };
  const counts = keptJobCounts(pool, names);
  const candidateQueries = claimCandidateQueries(pool, names);
  // Decoded once per stored text: the text is read on every call, so an answer is never stale (decodedStates.ts).
  const states = decodedStates();
  const saveCheckpointSql = `UPDATE ${q('checkpoints')} SET position = $1, live = false WHERE name = 'read-model'`;

  const checkpoint = async (): Promise<string | null> => {
    await ready();
    const r = await pool.query<{ position: string | null }>({
      name: `${names.schema}:checkpoint`,
      text: `SELECT ${q('read_model_checkpoint')}() AS position`,
    });
    return r.rows[0]?.position ?? null;
  };

  return {
    async getJob(jobId) {
      await ready();
      const r = await pool.query<{ state: string }>({
        name: `${names.schema}:get-job`,
        text: `SELECT state::text AS state FROM ${jobs} WHERE job_id = $1`,
        values: [jobId],
      });
      const text = r.rows[0]?.state;
      if (text === undefined) {
        states.forget(jobId);
        return undefined;
      }
      return states.decode(jobId, text);
    },
    async listJobs(query, viewer) {
      await ready();
      const matching = (args: SqlArgs): string =>
        `${filterSql(query, args)} AND ${visibilitySql(viewer, args, q)}`;
      const countArgs = new SqlArgs();
      const counted = countedTotalSql(query, viewer, countArgs, q);
      if (counted !== undefined) await counts.foldIfDue();
      const countSql =
        counted ?? `SELECT count(*)::bigint AS total FROM ${jobs} j WHERE ${matching(countArgs)}`;
      const pageArgs = new SqlArgs();
      const cursor = query.cursor;
      const where = `${matching(pageArgs)}${cursor === undefined ? '' : ` AND ${cursorSql(cursor, pageArgs)}`}`;
      const start = cursor === undefined ? (query.page - 1) * query.size : 0;
      // Ids first (an index walk can answer that: a deep page skips index entries, not rows and their state),
      // then the states of this page only. One row more than the page tells whether there is a next page.
      const pageSql = `SELECT j.job_id, j.state::text AS state FROM (
          SELECT j.job_id, j.created FROM ${jobs} j WHERE ${where}
          ORDER BY ${orderSql(query.sort)} LIMIT ${pageArgs.add(query.size + 1)} OFFSET ${pageArgs.add(start)}
        ) p JOIN ${jobs} j ON j.job_id = p.job_id
        ORDER BY ${orderSql(query.sort).replaceAll('j.', 'p.')}`;
      const [count, page] = await Promise.all([
        pool.query<{ total: string }>(countSql, countArgs.values),
        pool.query<{ job_id: string; state: string }>(pageSql, pageArgs.values),
      ]);
      const items = page.rows.slice(0, query.size).flatMap((r) => {
        const job = states.decode(r.job_id, r.state).job;
        return job === null ? [] : [job];
      });
      const last = items[items.length - 1];
      return {
        items,
        total: Number(count.rows[0]!.total),
        nextCursor:
          page.rows.length > query.size && last !== undefined
            ? encodeCursor({ created: last.created, jobId: last.id }, query.sort)
            : null,
      };
    },
    // Oldest first, except that jobs whose stream another writer holds right now (another instance's claim being
    // decided), and jobs this object just offered to another of its agents, come after the others: agents
    // asking at the same time spread over the queue instead of all queueing on the oldest job. The try-lock is
    // shared and lasts only this statement. Which agent gets a job is still decided by the claim's own
    // transaction (the stream's version), never here.
    async claimCandidates(agent, functionIds, limit) {
      await ready();
      const { ids, unlocked } = await candidateQueries.candidates(agent, functionIds, limit);
      return ctx.offers.take(ids, unlocked);
    },
    async expiredLeases(now, limit) {
      await ready();
      const r = await pool.query<{ job_id: string }>({
        name: `${names.schema}:expired-leases`,
        // The deadline in force: a heartbeat renews the lease in job_leases (beside the stream), not in the row.
        text: `SELECT j.job_id FROM ${jobs} j
                 LEFT JOIN ${q('job_leases')} l ON l.job_id = j.job_id AND l.agent_id = j.agent_id
               WHERE j.lease_expires_at IS NOT NULL AND j.lease_expires_at <= $1
                 AND (l.expires_at IS NULL OR l.expires_at <= $1)
               ORDER BY j.lease_expires_at, j.job_id LIMIT $2`,
        values: [now, limit],
      });
      return r.rows.map((row) => row.job_id);
    },
    async apply(events) {
      await ready();
      await transaction(async (client) => {
        const cp = await client.query<{ position: string | null; live: boolean }>(
          `SELECT position, live FROM ${q('checkpoints')} WHERE name = 'read-model' FOR UPDATE`,
        );
        const { position, live: ownLog } = cp.rows[0]!;
        // Fed from another store, the checkpoint is that store's position (the schema's own log stays empty).
        const live = comparePositions === undefined && ownLog;
        const fresh = live || position === null ? events : events.filter(isAfter(position));
        if (fresh.length === 0) return;
        const byJob = new Map<string, StoredEvent[]>();
        for (const e of fresh) {
          const jobId = jobIdOfStream(e.streamId);
          if (jobId === undefined) continue;
          const list = byJob.get(jobId) ?? [];
          list.push(e);
          byJob.set(jobId, list);
        }
        const jobIds = [...byJob.keys()];
        if (jobIds.length > 0) {
          await client.query(`SELECT ${q('lock_streams')}($1::text[])`, [jobIds.map(jobStreamId)]);
          const stored = await client.query<{ job_id: string; state: string }>(
            `SELECT job_id, state::text AS state FROM ${jobs} WHERE job_id = ANY($1::text[])`,
            [jobIds],
          );
          const states = new Map(stored.rows.map((r) => [r.job_id, decodeJobState(r.state)]));
          const payloads = jobIds.flatMap((jobId) => {
            const before: JobState | undefined = states.get(jobId);
            // Events the row already reflects are skipped: feeding the log twice changes nothing.
            const after = foldProjection(
              before,
              byJob.get(jobId)!.filter((e) => e.version > (before?.version ?? -1)),
            );
            return after === undefined || after === before
              ? []
              : [jobProjectionPayload(jobId, before, after)];
          });
          if (payloads.length > 0) {
            await client.query(`SELECT ${q('write_projections')}($1::jsonb)`, [projectionJson(payloads)]);
          }
        }
        if (!live) {
          await client.query(saveCheckpointSql, [fresh[fresh.length - 1]!.position]);
        }
      });
    },
    checkpoint,
    ...(comparePositions !== undefined && {
      /** A position the feeding subscription reached without events of ours: resume after it. */
      async saveCheckpoint(position: string) {
        await ready();
        await transaction(async (client) => {
          const cp = await client.query<{ position: string | null }>(
            `SELECT position FROM ${q('checkpoints')} WHERE name = 'read-model' FOR UPDATE`,
          );
          const current = cp.rows[0]!.position;
          if (current === null || comparePositions(position, current) > 0)
            await client.query(saveCheckpointSql, [position]);
        });
      },
    }),
    async reset() {
      await ready();
      // TRUNCATE waits for the appends in flight and holds the next ones until it commits.
      await transaction(async (client) => {
        await client.query(
          `TRUNCATE ${[jobs, ...jobChildTables.map(q), ...jobCountTables.map(q)].join(', ')}`,
        );
        await client.query(`DELETE FROM ${q('rebuild')}`);
        await client.query(
          `UPDATE ${q('checkpoints')} SET position = NULL, live = false WHERE name = 'read-model'`,
        );
      });
    },
    async dump() {
      await ready();
      const [position, rows] = await Promise.all([
        checkpoint(),
        pool.query<JobColumns>(`SELECT ${columns} FROM ${jobs} j ORDER BY j.job_id`),
      ]);
      // The memory read model orders by JavaScript string order; "C" collation agrees except beyond the BMP.
      const sorted = [...rows.rows].sort((a, b) => (a.job_id < b.job_id ? -1 : a.job_id > b.job_id ? 1 : 0));
      return {
        checkpoint: position,
        jobs: sorted.map((c) => ({ row: rowOf(c), state: decodeJobState(c.state) })),
      };
    },
  };
};
