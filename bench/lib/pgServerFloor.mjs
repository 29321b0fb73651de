// The Postgres server's share alone, without Node: pgbench (C, one prepared statement per transaction) calls
//  - jobledger's own `append_events` with the arguments of a draft createJob (the events and the projection
//    payload of a real one, with fresh ids each call), and
//  - a function that writes the same two rows with plain INSERTs (no stream lock, no expectation check, no
//    projection logic),
// at 1 and 8 connections. What jobledger reaches from Node can only be below the first number; the second is
// the rows' own cost. Runs only when a pgbench binary is found (Debian: /usr/lib/postgresql/<v>/bin/pgbench).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { readJobTemplate } from './postgresPeers.mjs';

/** The pgbench binary: on PATH, or in Debian's PostgreSQL directory; undefined when there is none. */
export const findPgbench = () => {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'pgbench');
    if (dir !== '' && fs.existsSync(p)) return p;
  }
  const debian = '/usr/lib/postgresql';
  if (!fs.existsSync(debian)) return undefined;
  const versions = fs
    .readdirSync(debian)
    .filter((v) => fs.existsSync(path.join(debian, v, 'bin', 'pgbench')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(debian, versions[0], 'bin', 'pgbench') : undefined;
};

const dollarQuote = (text, tag) => {
  if (text.includes(`$${tag}$`)) throw new Error(`template contains $${tag}$`);
  return `$${tag}$${text}$${tag}$`;
};

/**
 * Creates `bench_append()` and `bench_rows()` in the database of `db`, whose schema `jobledger` holds one job
 * created by a draft createJob: its event and projection are the templates (the job id and event id are swapped
 * for fresh ones on every call).
 */
const createFunctions = async (db) => {
  const { event: e, job: j } = await readJobTemplate(db);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const events = JSON.stringify([
      {
        version: 0,
        eventId: 'EVENTID',
        type: e.type,
        schemaVersion: e.schema_version,
        data: JSON.parse(e.data),
        metadata: JSON.parse(e.metadata),
      },
    ]).replaceAll(j.job_id, 'JOBID');
    const state = JSON.parse(j.state);
    const projection = JSON.stringify([
      {
        jobId: j.job_id,
        base: null,
        row: {
          tenantId: j.tenant_id,
          status: j.status,
          created: j.created,
          createdById: j.created_by_id,
          agentId: null,
          assignedAgentId: null,
          assignedAgentPoolId: null,
          modelId: null,
          functionId: j.function_id,
          archived: j.archived,
          leaseExpiresAt: null,
          version: j.version,
        },
        state,
        agents: { from: 0, items: [] },
        access: { from: 0, items: [] },
      },
    ]).replaceAll(j.job_id, 'JOBID');
    await client.query(`
      CREATE FUNCTION public.bench_append() RETURNS text LANGUAGE plpgsql AS $f$
      DECLARE id text := gen_random_uuid()::text; r text;
      BEGIN
        SELECT outcome INTO r FROM jobledger.append_events('job-' || id, 'no-stream', -1,
          replace(replace(${dollarQuote(events, 'e')}, 'JOBID', id), 'EVENTID', gen_random_uuid()::text)::json,
          replace(${dollarQuote(projection, 'p')}, 'JOBID', id)::jsonb);
        IF r <> 'ok' THEN RAISE EXCEPTION 'append_events answered %', r; END IF;
        RETURN r;
      END $f$;
      CREATE FUNCTION public.bench_rows() RETURNS text LANGUAGE plpgsql AS $f$
      DECLARE id text := gen_random_uuid()::text; ev json; p jsonb;
      BEGIN
        ev := replace(${dollarQuote(events, 'e')}, 'JOBID', id)::json;
        p := replace(${dollarQuote(projection, 'p')}, 'JOBID', id)::jsonb;
        INSERT INTO jobledger.events (stream_id, version, event_id, type, schema_version, data, metadata)
          VALUES ('job-' || id, 0, gen_random_uuid()::text, ev->0->>'type', 1, ev->0->'data', ev->0->'metadata');
        INSERT INTO jobledger.jobs (job_id, tenant_id, status, created, created_by_id, function_id, archived,
          version, state)
          VALUES (id, 't1', 'Created', now(), 'u-alice', 'fn-1', false, 0, p->0->'state');
        RETURN 'ok';
      END $f$;`);
  } finally {
    await client.end();
  }
};

const runPgbench = (pgbench, db, script, fn, clients, seconds) =>
  new Promise((resolve, reject) => {
    const u = new URL(db.url);
    execFile(
      pgbench,
      [
        '-n',
        '-M',
        'prepared',
        '-f',
        script,
        '-c',
        String(clients),
        '-j',
        String(Math.min(clients, 2)),
        '-T',
        String(seconds),
        '-h',
        u.hostname,
        '-p',
        u.port || '5432',
        '-U',
        decodeURIComponent(u.username) || 'postgres',
        u.pathname.slice(1),
      ],
      { env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`pgbench ${fn}: ${stderr.trim() || error.message}`));
        const tps = /tps = ([\d.]+)/.exec(stdout);
        if (tps === null) return reject(new Error(`pgbench ${fn}: no tps in ${stdout}`));
        const failed = /number of failed transactions: (\d+)/.exec(stdout);
        if (failed !== null && Number(failed[1]) > 0) {
          return reject(new Error(`pgbench ${fn}: ${failed[1]} failed transactions`));
        }
        resolve(Number(tps[1]));
      },
    );
  });

/**
 * Measures both functions at each client count of `callers`, `seconds` each; resolves with
 * `{ append: { [callers]: tps }, rows: { [callers]: tps } }`.
 */
export const measureServerFloor = async ({ pgbench, db, callers, seconds }) => {
  await createFunctions(db);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jlbench-pgbench-'));
  try {
    const scripts = {};
    for (const fn of ['bench_append', 'bench_rows']) {
      scripts[fn] = path.join(dir, `${fn}.sql`);
      fs.writeFileSync(scripts[fn], `SELECT ${fn}();\n`);
    }
    const out = { append: {}, rows: {} };
    for (const clients of callers) {
      out.append[clients] = await runPgbench(
        pgbench,
        db,
        scripts.bench_append,
        'bench_append',
        clients,
        seconds,
      );
      out.rows[clients] = await runPgbench(pgbench, db, scripts.bench_rows, 'bench_rows', clients, seconds);
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
