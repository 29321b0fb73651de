import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { JobListQuery, Viewer } from '../../projections/jobListProjection.js';
import type { PostgresMigration, PostgresNames } from './migrations.js';
import type { SqlArgs } from './postgresJobListSql.js';
import { filterSql } from './postgresJobListSql.js';

/** The tables of the kept job counts (emptied with the projections on reset). */
export const jobCountTables: readonly string[] = ['job_counts', 'job_count_deltas'];

/** The key of the advisory lock one fold of the deltas runs under (a bigint, as text), from the schema name. */
const foldLockKey = (schema: string): string =>
  createHash('sha256').update(`jobledger-job-counts:${schema}`).digest().readBigInt64BE(0).toString();

/** How many row writes of `jobs` one fold of the deltas comes with, on average, besides the folds of listings. */
const foldEvery = 2000;

/**
 * Step 8: job counts per (tenant, creator, status, archived), as SQLite's `job_counts` (its step 2), so that the
 * total of a listing filtered by no more than these is a sum over a few rows instead of a count over every job of
 * a tenant.
 *
 * Appends must not queue on a counter row: many transactions create jobs of one creator at the same time, and an
 * updated row stays locked until its transaction commits. So a trigger on `jobs` only inserts delta rows
 * (+1 for a row counted in, -1 for one counted out; inserts never wait on each other), in the transaction that
 * writes the row, and `fold_job_counts()` moves them into `job_counts` in one statement: before a listing (at most
 * once a second per store object) and, by chance, in about one of every `foldEvery` row writes, so the deltas stay
 * few in a ledger nobody lists. One fold runs at a time (the others skip), so folds never wait on each other. A total is
 * the sum over both tables, read in one statement: exact at every moment. Triggers keep every writer of `jobs`
 * (appends, `apply`, the rebuild) in step; TRUNCATE fires none, so a reset empties these tables too.
 *
 * The same step widens `jobs_by_tenant` with the columns the owner and administrator views filter on (archived,
 * creator, status), so the ids of a page, and the index entries a deep page by number skips, are read from the
 * index without visiting the rows (no new index: appends write as many index entries as before).
 */
export const postgresJobCountsMigration: PostgresMigration = {
  version: 8,
  description:
    'job counts per tenant, creator, status and archived (delta rows kept by triggers, folded later); listing ids from jobs_by_tenant alone',
  sql: ({ q, schema }) => `
CREATE TABLE IF NOT EXISTS ${q('job_counts')} (
  tenant_id     text    COLLATE "C" NOT NULL,
  created_by_id text    COLLATE "C" NOT NULL,
  status        text    NOT NULL,
  archived      boolean NOT NULL,
  n             bigint  NOT NULL,
  PRIMARY KEY (tenant_id, created_by_id, status, archived)
);
-- No key and no index: appends only insert here, and a fold empties it. A total reads it whole, so the rows
-- folds leave dead are vacuumed away early.
CREATE TABLE IF NOT EXISTS ${q('job_count_deltas')} (
  tenant_id     text    COLLATE "C" NOT NULL,
  created_by_id text    COLLATE "C" NOT NULL,
  status        text    NOT NULL,
  archived      boolean NOT NULL,
  n             integer NOT NULL
) WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0);
INSERT INTO ${q('job_counts')} (tenant_id, created_by_id, status, archived, n)
  SELECT tenant_id, created_by_id, status, archived, count(*) FROM ${q('jobs')}
  GROUP BY tenant_id, created_by_id, status, archived;

-- A tenant's jobs in created order, carrying what the owner and administrator views filter on: the ids of a
-- page (and the entries a deep page skips) come from the index alone once the pages are all-visible.
DROP INDEX IF EXISTS ${q('jobs_by_tenant')};
CREATE INDEX jobs_by_tenant ON ${q('jobs')} (tenant_id, created, job_id) INCLUDE (archived, created_by_id, status);

CREATE OR REPLACE FUNCTION ${q('count_job_row')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${q('job_count_deltas')} VALUES (NEW.tenant_id, NEW.created_by_id, NEW.status, NEW.archived, 1);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO ${q('job_count_deltas')} VALUES (OLD.tenant_id, OLD.created_by_id, OLD.status, OLD.archived, -1);
  ELSE
    INSERT INTO ${q('job_count_deltas')} VALUES (OLD.tenant_id, OLD.created_by_id, OLD.status, OLD.archived, -1),
      (NEW.tenant_id, NEW.created_by_id, NEW.status, NEW.archived, 1);
  END IF;
  -- About one row write in ${foldEvery} folds the deltas too, so that they stay few when nobody lists.
  IF random() < ${1 / foldEvery} THEN PERFORM ${q('fold_job_counts')}(); END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER job_counts_insert AFTER INSERT ON ${q('jobs')}
  FOR EACH ROW EXECUTE FUNCTION ${q('count_job_row')}();
CREATE TRIGGER job_counts_delete AFTER DELETE ON ${q('jobs')}
  FOR EACH ROW EXECUTE FUNCTION ${q('count_job_row')}();
CREATE TRIGGER job_counts_update AFTER UPDATE OF tenant_id, created_by_id, status, archived ON ${q('jobs')}
  FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.created_by_id IS DISTINCT FROM NEW.created_by_id
    OR OLD.status IS DISTINCT FROM NEW.status OR OLD.archived IS DISTINCT FROM NEW.archived)
  EXECUTE FUNCTION ${q('count_job_row')}();

-- Moves the deltas into job_counts in one statement (a total read meanwhile sees them in one table or the
-- other, never both). One fold at a time: a second one finds the lock taken and leaves the work to the first.
-- Keys counted down to 0 keep their row (as on SQLite): a fold costs what it moves, not the size of job_counts.
CREATE OR REPLACE FUNCTION ${q('fold_job_counts')}() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT pg_try_advisory_xact_lock(${foldLockKey(schema)}::bigint) THEN RETURN; END IF;
  WITH moved AS (DELETE FROM ${q('job_count_deltas')} RETURNING *)
  INSERT INTO ${q('job_counts')} AS c (tenant_id, created_by_id, status, archived, n)
    SELECT tenant_id, created_by_id, status, archived, sum(n) FROM moved
    GROUP BY tenant_id, created_by_id, status, archived
    ORDER BY tenant_id, created_by_id, status, archived
  ON CONFLICT (tenant_id, created_by_id, status, archived) DO UPDATE SET n = c.n + excluded.n;
END
$fn$;
`,
};

/**
 * The statement that gives the `total` of a listing from the kept counts (`job_counts` plus the deltas not folded
 * yet), when the query filters on nothing but status, creator and archive status and the viewer is the system,
 * an administrator or a user: the counts of the jobs the viewer sees as administrator or creator, plus for a user
 * the jobs granted to them that someone else created, counted from their grants. The same rule as SQLite's
 * `countedTotalSql`. Undefined otherwise (an agent, other filters): then the rows are counted.
 */
export const countedTotalSql = (
  query: JobListQuery,
  viewer: Viewer,
  args: SqlArgs,
  q: PostgresNames['q'],
): string | undefined => {
  if (viewer.kind === 'agent') return undefined;
  const others = [
    query.agentId,
    query.assignedAgentId,
    query.assignedAgentPoolId,
    query.modelId,
    query.functionId,
  ];
  if (
    others.some((v) => v !== undefined) ||
    query.createdAfter !== undefined ||
    query.createdBefore !== undefined
  )
    return undefined;
  const owner = viewer.kind === 'user' && !viewer.roles?.includes('administrator') ? viewer : undefined;
  const conditions = [
    ...(viewer.kind === 'system' ? [] : [`c.tenant_id = ${args.add(viewer.tenantId)}`]),
    ...(owner === undefined ? [] : [`c.created_by_id = ${args.add(owner.id)}`]),
    ...(query.status === undefined ? [] : [`c.status = ${args.add(query.status)}`]),
    ...(query.createdById === undefined ? [] : [`c.created_by_id = ${args.add(query.createdById)}`]),
    ...(query.archiveStatus === 'all'
      ? []
      : [`${query.archiveStatus === 'archived' ? '' : 'NOT '}c.archived`]),
  ];
  const where = conditions.join(' AND ') || 'true';
  const counted = `(SELECT coalesce(sum(x.n), 0) FROM (
      SELECT c.n FROM ${q('job_counts')} c WHERE ${where}
      UNION ALL SELECT c.n FROM ${q('job_count_deltas')} c WHERE ${where}) x)`;
  if (owner === undefined) return `SELECT ${counted}::bigint AS total`;
  // Each granted job once (UNION), then its row: the grants are few, the jobs many.
  const grants = [
    `SELECT a.job_id FROM ${q('access')} a WHERE a.subject_type = 'user' AND a.subject_key = ${args.add(owner.id)}`,
  ];
  if (owner.email !== undefined) {
    grants.push(
      `SELECT a.job_id FROM ${q('access')} a WHERE a.subject_type = 'email' AND a.subject_key = ${args.add(owner.email.toLowerCase())}`,
    );
  }
  const granted = `(SELECT count(*) FROM (${grants.join(' UNION ')}) g JOIN ${q('jobs')} j ON j.job_id = g.job_id
      WHERE j.tenant_id = ${args.add(owner.tenantId)} AND j.created_by_id <> ${args.add(owner.id)}
        AND ${filterSql(query, args)})`;
  return `SELECT (${counted} + ${granted})::bigint AS total`;
};

/**
 * Folds the delta rows of the kept counts into `job_counts`, at most once per `everyMs` (a listing that uses the
 * counts asks first). Totals are exact either way; folding keeps the deltas a listing sums few. A fold already
 * running in this process is not waited for.
 */
export const keptJobCounts = (pool: pg.Pool, names: PostgresNames, everyMs = 1000) => {
  let foldedAt = Number.NEGATIVE_INFINITY;
  let folding = false;
  return {
    async foldIfDue(): Promise<void> {
      const now = Date.now();
      if (folding || now - foldedAt < everyMs) return;
      folding = true;
      foldedAt = now;
      try {
        await pool.query(`SELECT ${names.q('fold_job_counts')}()`);
      } finally {
        folding = false;
      }
    },
  };
};
