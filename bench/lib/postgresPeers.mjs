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
 * The limit: one INSERT of one event row per transaction (autocommit) into a table shaped like jobledger's
 * events table, through a `pg` pool of `poolSize` connections.
 */
export const openRawPg = async (db, poolSize) => {
  const pool = new pg.Pool({ connectionString: db.url, max: poolSize });
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
 * jobs inserted up front; `claimOne` is `fetch(batchSize 1)` + `complete`, what a worker does per job.
 */
export const openPgBoss = async (db, jobs) => {
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
      const [job] = await boss.fetch('jobs', { batchSize: 1 });
      if (job === undefined) throw new Error('pg-boss queue ran dry: seed more jobs');
      await boss.complete('jobs', job.id);
      return true;
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
};
