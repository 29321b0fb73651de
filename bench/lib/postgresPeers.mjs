// The Postgres peers: raw `pg` one-row inserts (the limit), Emmett's PostgreSQL event store 0.42.0 (with
// pongo 0.16.11), and pg-boss 12 as the job-queue baseline. Each side gets a database of its own, created for
// the run and dropped at the end, so no side reads another's tables or a previous run's leftovers.
import pg from 'pg';
import { v4 as uuid } from 'uuid';
import { jobCreatedData } from './peers.mjs';

/** The server, as the tests name it (DESIGN section 7). */
export const pgUrl = process.env.JOBLEDGER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const withDatabase = (url, database) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/** Why no server answers at pgUrl, or undefined when one does. */
export const pgUnavailable = async () => {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
};

const admin = async (statement) => {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
};

/** A fresh database for one side; `drop()` removes it (closing whatever still connects to it). */
export const freshDatabase = async (label) => {
  const name = `jlbench_${label}_${process.pid}_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabase(pgUrl, name),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
};

/** The server's durability settings, reported beside the numbers (every side runs on the same server). */
export const serverSettings = async () => {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const r = await client.query(
      `SELECT name, setting FROM pg_settings
       WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay')`,
    );
    return Object.fromEntries(r.rows.map((row) => [row.name, row.setting]));
  } finally {
    await client.end();
  }
};

/**
 * A `pg` pool on `db`. pool.end() can resolve before the server saw every connection close; the database's
 * DROP ... WITH (FORCE) then ends one, and an 'error' without a listener would end the whole bench.
 */
const openPool = (db, poolSize) => {
  const pool = new pg.Pool({ connectionString: db.url, max: poolSize });
  pool.on('error', () => undefined);
  return pool;
};

/**
 * The limit: one INSERT of one event row per transaction (autocommit) into a table shaped like jobledger's
 * events table, through a `pg` pool of `poolSize` connections.
 */
export const openRawPg = async (db, poolSize) => {
  const pool = openPool(db, poolSize);
  await pool.query(`CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id text NOT NULL, version integer NOT NULL, event_id text NOT NULL UNIQUE, type text NOT NULL,
    data json NOT NULL, metadata json NOT NULL, UNIQUE (stream_id, version))`);
  return {
    appendOne: async () => {
      const jobId = uuid();
      await pool.query({
        name: 'insert',
        text: `INSERT INTO events (stream_id, version, event_id, type, data, metadata)
               VALUES ($1, 0, $2, 'JobCreated', $3, $4)`,
        values: [
          `job-${jobId}`,
          uuid(),
          JSON.stringify(jobCreatedData(jobId)),
          JSON.stringify({ recordedAt: new Date().toISOString(), actor: { kind: 'user', id: 'u-alice' } }),
        ],
      });
      return true;
    },
    close: () => pool.end(),
  };
};

/**
 * The event and the job row of the one job that a draft createJob made in schema `jobledger` of `db` (see
 * `templateJob` in sections/postgres.mjs): templates for writing the same rows without jobledger.
 */
export const readJobTemplate = async (db) => {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const event = (
      await client.query(
        `SELECT event_id, type, schema_version, data::text AS data, metadata::text AS metadata
         FROM jobledger.events ORDER BY seq LIMIT 1`,
      )
    ).rows[0];
    const job = (
      await client.query(
        `SELECT job_id, tenant_id, status, created, created_by_id, function_id, archived, version, state::text AS state
         FROM jobledger.jobs LIMIT 1`,
      )
    ).rows[0];
    if (event === undefined || job === undefined) throw new Error('no job to take as a template');
    return { event, job };
  } finally {
    await client.end();
  }
};

/**
 * The floor of jobledger's own storage shape: per op, in one statement and one transaction (autocommit), the
 * rows a draft createJob writes — its event row and its job row (list columns and the whole job state), into
 * jobledger's own tables (migrated by the ledger that made the template job, so with its keys and indexes) —
 * with none of jobledger's work: no expectation check, no stream lock, no hash chain, no projection logic. The
 * distance from here to jobledger is its code; from raw 1-row inserts to here, its schema.
 */
export const openRawPgSameWrites = async (db, poolSize) => {
  const { event, job } = await readJobTemplate(db);
  const templateCreated = job.created.toISOString();
  const pool = openPool(db, poolSize);
  return {
    appendOne: async () => {
      const jobId = uuid();
      const created = new Date().toISOString();
      // The template's texts with this op's job id and time in them.
      const fill = (text) => text.replaceAll(job.job_id, jobId).replaceAll(templateCreated, created);
      await pool.query({
        name: 'insert-same-writes',
        text: `WITH e AS (
                 INSERT INTO jobledger.events (stream_id, version, event_id, type, schema_version, data, metadata)
                 VALUES ($1, 0, $2, $3, $4, $5, $6) RETURNING seq)
               INSERT INTO jobledger.jobs (job_id, tenant_id, status, created, created_by_id, function_id,
                 archived, version, state)
               SELECT $7, $8, $9, $10, $11, $12, $13, $14, $15 FROM e`,
        values: [
          `job-${jobId}`,
          uuid(),
          event.type,
          event.schema_version,
          fill(event.data),
          fill(event.metadata),
          jobId,
          job.tenant_id,
          job.status,
          created,
          job.created_by_id,
          job.function_id,
          job.archived,
          job.version,
          fill(job.state),
        ],
      });
      return true;
    },
    close: () => pool.end(),
  };
};

/** Emmett's PostgreSQL event store 0.42.0: `appendToStream` of one event to a new stream `job-<uuid>`. */
export const openEmmettPg = async (db) => {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const eventStore = getPostgreSQLEventStore(db.url);
  await eventStore.schema.migrate();
  return {
    appendOne: async () => {
      const jobId = uuid();
      await eventStore.appendToStream(`job-${jobId}`, [{ type: 'JobCreated', data: jobCreatedData(jobId) }]);
      return true;
    },
    close: () => eventStore.close(),
  };
};

/**
 * pg-boss 12 on a fresh schema of a fresh database (it slows sharply on a reused one), one queue with `jobs`
 * jobs inserted up front; `claimOne` is `fetch(batchSize)` + `complete` of what it fetched (all the ids in one
 * call), what a worker does per job (batch size 1) or per batch.
 */
export const openPgBoss = async (db, jobs, batchSize = 1) => {
  const { PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', max: 10, supervise: false });
  let failure;
  boss.on('error', (error) => {
    failure ??= error;
  });
  await boss.start();
  await boss.createQueue('jobs');
  for (let i = 0; i < jobs; i += 1000) {
    const n = Math.min(1000, jobs - i);
    await boss.insert(
      'jobs',
      Array.from({ length: n }, (_, k) => ({ data: { function: { id: 'fn-1' }, n: i + k } })),
    );
  }
  return {
    claimOne: async () => {
      if (failure) throw failure;
      const fetched = await boss.fetch('jobs', { batchSize });
      if (fetched.length < batchSize) throw new Error('pg-boss queue ran dry: seed more jobs');
      await boss.complete('jobs', batchSize === 1 ? fetched[0].id : fetched.map((job) => job.id));
      return true;
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
};
