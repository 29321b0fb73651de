import { createHash } from 'node:crypto';
import type pg from 'pg';
import { postgresIdempotencyMigration } from './idempotencyMigration.js';
import { postgresJobCountsMigration } from './postgresJobCounts.js';

/** The names one store's SQL uses, all inside its schema. */
export interface PostgresNames {
  readonly schema: string;
  /** `"schema".name`, for tables and functions. */
  readonly q: (name: string) => string;
  /**
   * The first key of the transaction-level advisory locks that writers take per stream
   * (`pg_advisory_xact_lock(writerLockClass, hashtext(stream_id))`). Derived from the schema name.
   */
  readonly writerLockClass: number;
  /** The key of the advisory lock migrations run under (a bigint, as text). */
  readonly migrationLockKey: string;
  /** The LISTEN/NOTIFY channel that wakes subscribers of this schema. */
  readonly channel: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export const postgresNames = (schema: string): PostgresNames => ({
  schema,
  q: (name) => `"${schema}".${name}`,
  writerLockClass: digest(`jobledger-writers:${schema}`).readUInt32BE(0) & 0x7fffffff || 1,
  migrationLockKey: digest(`jobledger-migrations:${schema}`).readBigInt64BE(0).toString(),
  channel: `${schema}_events`,
});

/** One step of the Postgres schema. Steps run in order, each at most once per schema. */
export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: (names: PostgresNames) => string;
}

/** The columns every event-returning function and query gives, in this order. */
export const eventColumns = `"position" text, stream_id text, version integer, event_id text, type text,
  schema_version integer, data json, metadata json`;

/** A child list of a job projection: its key in the payload, its table, and its columns (in the payload). */
interface ProjectedList {
  readonly key: string;
  readonly table: string;
  /** Table column = payload field (SQL type), after job_id and seq. */
  readonly columns: readonly (readonly [column: string, field: string, type: string])[];
}

const projectedLists: readonly ProjectedList[] = [
  {
    key: 'statusHistory',
    table: 'status_history',
    columns: [
      ['status_id', 'id', 'text'],
      ['name', 'name', 'text'],
      ['created', 'created', 'timestamptz'],
      ['created_by_id', 'createdById', 'text'],
      ['message', 'message', 'text'],
      ['agent_id', 'agentId', 'text'],
    ],
  },
  {
    key: 'archiveHistory',
    table: 'archive_history',
    columns: [
      ['status_id', 'id', 'text'],
      ['name', 'name', 'text'],
      ['reason', 'reason', 'text'],
      ['created', 'created', 'timestamptz'],
      ['created_by_id', 'createdById', 'text'],
    ],
  },
  {
    key: 'comments',
    table: 'comments',
    columns: [
      ['comment_id', 'id', 'text'],
      ['content', 'content', 'text'],
      ['created', 'created', 'timestamptz'],
      ['created_by_id', 'createdById', 'text'],
    ],
  },
  {
    key: 'access',
    table: 'access',
    columns: [
      ['access_id', 'id', 'text'],
      ['subject_type', 'subjectType', 'text'],
      ['subject_id', 'subjectId', 'text'],
      ['subject_key', 'key', 'text'],
      ['relation', 'relation', 'text'],
      ['created', 'created', 'timestamptz'],
      ['created_by_id', 'createdById', 'text'],
    ],
  },
];

/** The part of `write_projections` that writes one list of job `v_id` (see `jobProjectionPayload`). */
const writeListSql = (q: PostgresNames['q'], { key, table, columns }: ProjectedList): string => `
    v_list := j->'${key}';
    v_from := CASE v_mode WHEN 'incremental' THEN (v_list->>'from')::integer ELSE 0 END;
    IF v_from IS NOT NULL THEN
      IF v_from = 0 AND v_mode <> 'new' THEN
        DELETE FROM ${q(table)} WHERE job_id = v_id;
      END IF;
      IF jsonb_array_length(v_list->'items') > v_from THEN
        INSERT INTO ${q(table)} (job_id, seq, ${columns.map(([c]) => c).join(', ')})
        SELECT v_id, x.seq, ${columns.map(([, f]) => `x."${f}"`).join(', ')}
        FROM jsonb_to_recordset(v_list->'items')
          AS x(seq integer, ${columns.map(([, f, t]) => `"${f}" ${t}`).join(', ')})
        WHERE x.seq >= v_from;
      END IF;
    END IF;`;

/**
 * Version 1: the log, the job projections, and the functions every writer and reader goes through.
 *
 * ## Why readers see events in an order that never skips one
 *
 * A `bigserial` alone is not a safe cursor: sequence numbers are taken when a row is inserted, not when its
 * transaction commits, so a transaction holding seq 10 can commit after one holding seq 11. A reader that saw 11
 * and remembers "after 11" skips 10 forever (the "skipped event" bug of several Postgres event stores).
 *
 * So each event also stores the id of the transaction that wrote it (`tx_id xid8`, 64 bits, never wraps), and
 * the global order is `(tx_id, seq)`. Transaction ids are handed out in increasing order, when a transaction
 * first writes. A reader only reads events whose `tx_id` is below a *horizon*: an id such that no transaction
 * with a lower id may still add events. Everything below the horizon is final, so what a reader delivers only
 * ever grows at the end of the order, and `after = (tx_id, seq)` of the last delivered event is a safe cursor.
 *
 * The simple horizon is `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still running. It is
 * correct but counts every writing transaction of the whole server: one long transaction in another schema or
 * application would stall every subscriber and make `readAll` miss acknowledged appends. The horizon here only
 * counts writers of this schema. Every writer first takes the advisory lock
 * `(writerLockClass, hashtext(stream))` — before it has a transaction id (`append_events` refuses to run
 * otherwise) — and keeps it until it ends. `horizon()` reads, in this order: the `xmax` of its statement's
 * snapshot (every id handed out later is at least this), then one consistent copy of `pg_locks`, where it finds
 * the transaction ids of the current holders of such locks. The horizon is the least of those and `xmax`.
 * Take a writer whose id is below the horizon. If it held its lock when `pg_locks` was read, it either had its
 * id then (which is in the minimum) or got it later (at least `xmax`); if it took its lock later, its id came
 * later still. So it had ended before: committed or rolled back, and Postgres releases locks only once a commit
 * is visible. The rows are read with a new snapshot taken after `horizon()` returned (`read_after` runs it as a
 * statement of its own, in READ COMMITTED), so they include its events.
 *
 * Per-stream order agrees with the global order: the next version of a stream is written only after the
 * writer of the previous version committed (the stream lock), and transaction ids are given at the first write.
 *
 * ## Why the stream lock
 *
 * The advisory lock per stream serialises the writers of one stream (not of the log): the tip read and the
 * insert in `append_events` see the same stream, so every expectation is checked exactly, and
 * `lock_stream` lets a command decide while holding the stream (`execute`). Exactly-once still rests on the
 * versions: `(stream_id, version)` is unique.
 */
const v1 = ({ q, writerLockClass: k }: PostgresNames): string => `
CREATE TABLE ${q('events')} (
  tx_id          xid8    NOT NULL DEFAULT pg_current_xact_id(),
  seq            bigint  GENERATED ALWAYS AS IDENTITY (CACHE 32),
  stream_id      text    COLLATE "C" NOT NULL,
  version        integer NOT NULL,
  event_id       text    COLLATE "C" NOT NULL,
  type           text    NOT NULL,
  schema_version integer NOT NULL,
  data           json    NOT NULL,
  metadata       json    NOT NULL,
  CONSTRAINT events_position PRIMARY KEY (tx_id, seq),
  CONSTRAINT events_stream_version UNIQUE (stream_id, version),
  CONSTRAINT events_event_id UNIQUE (event_id)
);

-- One row per job: the JobRow columns for listing and claims, and the whole JobState as JSON so that getJob is
-- one read. (SQLite keeps the state in a table of its own to keep job rows dense; here one row per job means one
-- row to update per command, and the JSON is usually stored inline.)
CREATE TABLE ${q('jobs')} (
  job_id                 text        COLLATE "C" PRIMARY KEY,
  tenant_id              text        COLLATE "C" NOT NULL,
  status                 text        NOT NULL,
  created                timestamptz,
  created_by_id          text        COLLATE "C" NOT NULL,
  agent_id               text        COLLATE "C",
  assigned_agent_id      text        COLLATE "C",
  assigned_agent_pool_id text        COLLATE "C",
  model_id               text        COLLATE "C",
  function_id            text        COLLATE "C" NOT NULL,
  archived               boolean     NOT NULL,
  lease_expires_at       timestamptz,
  version                integer     NOT NULL,
  state                  jsonb       NOT NULL
) WITH (fillfactor = 85);
CREATE INDEX jobs_by_tenant ON ${q('jobs')} (tenant_id, created, job_id);
CREATE INDEX jobs_by_created ON ${q('jobs')} (created, job_id);
CREATE INDEX jobs_claimable ON ${q('jobs')} (tenant_id, created, job_id) WHERE status = 'Pending' AND NOT archived;
CREATE INDEX jobs_by_lease ON ${q('jobs')} (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

CREATE TABLE ${q('status_history')} (
  job_id        text COLLATE "C" NOT NULL,
  seq           integer NOT NULL,
  status_id     text NOT NULL,
  name          text NOT NULL,
  created       timestamptz,
  created_by_id text NOT NULL,
  message       text,
  agent_id      text COLLATE "C",
  PRIMARY KEY (job_id, seq)
);
-- An agent sees every job it ever reported on (policy.relationOf).
CREATE INDEX status_history_by_agent ON ${q('status_history')} (agent_id, job_id) WHERE agent_id IS NOT NULL;

CREATE TABLE ${q('archive_history')} (
  job_id        text COLLATE "C" NOT NULL,
  seq           integer NOT NULL,
  status_id     text NOT NULL,
  name          text NOT NULL,
  reason        text,
  created       timestamptz,
  created_by_id text NOT NULL,
  PRIMARY KEY (job_id, seq)
);

CREATE TABLE ${q('comments')} (
  job_id        text COLLATE "C" NOT NULL,
  seq           integer NOT NULL,
  comment_id    text NOT NULL,
  content       text NOT NULL,
  created       timestamptz,
  created_by_id text NOT NULL,
  PRIMARY KEY (job_id, seq)
);

-- subject_key is what a principal is matched on: the id, or the lower-cased address of an email grant.
CREATE TABLE ${q('access')} (
  job_id        text COLLATE "C" NOT NULL,
  seq           integer NOT NULL,
  access_id     text NOT NULL,
  subject_type  text NOT NULL,
  subject_id    text NOT NULL,
  subject_key   text COLLATE "C" NOT NULL,
  relation      text NOT NULL,
  created       timestamptz,
  created_by_id text NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX access_by_subject ON ${q('access')} (subject_type, subject_key, job_id);

-- The read model's checkpoint. live: appends keep the projections (the usual case), so the checkpoint is the end
-- of the readable log. After reset() it is fed by apply() and position says how far.
CREATE TABLE ${q('checkpoints')} (
  name     text PRIMARY KEY,
  position text,
  live     boolean NOT NULL
);
INSERT INTO ${q('checkpoints')} (name, position, live) VALUES ('read-model', NULL, true);

-- Present while rebuildReadModel is under way: the streams up to after_stream are rebuilt.
CREATE TABLE ${q('rebuild')} (
  id           integer PRIMARY KEY CHECK (id = 1),
  after_stream text COLLATE "C" NOT NULL,
  events       bigint NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now()
);

-- The horizon of readers: see the comment on this migration in migrations.ts.
CREATE FUNCTION ${q('horizon')}() RETURNS xid8 LANGUAGE sql VOLATILE AS $fn$
  WITH snap AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax),
  locks AS MATERIALIZED (
    SELECT locktype, virtualtransaction, transactionid, classid, objsubid, granted
    FROM pg_catalog.pg_locks WHERE locktype IN ('advisory', 'transactionid')),
  writers AS (
    SELECT t.transactionid::text::bigint AS xid32
    FROM locks a JOIN locks t ON t.virtualtransaction = a.virtualtransaction
    WHERE a.locktype = 'advisory' AND a.classid = ${k}::oid AND a.objsubid = 2
      AND t.locktype = 'transactionid' AND t.granted)
  -- pg_locks shows 32-bit ids: widen each to 64 bits next to xmax (they are within 2^31 of it).
  SELECT least(s.xmax,
    (SELECT min(s.xmax + ((w.xid32 - s.xmax % 4294967296 + 6442450944) % 4294967296) - 2147483648)
     FROM writers w))::text::xid8
  FROM snap s
$fn$;

-- Up to p_limit events after (p_tx, p_seq) in global order, below the horizon.
CREATE FUNCTION ${q('read_after')}(p_tx xid8, p_seq bigint, p_limit integer)
RETURNS TABLE (${eventColumns}) LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v_horizon xid8;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'jobledger reads the log in READ COMMITTED only (this session uses %)',
      current_setting('transaction_isolation');
  END IF;
  v_horizon := ${q('horizon')}();
  -- A new statement, so a new snapshot: taken after the horizon was read.
  RETURN QUERY
    SELECT e.tx_id::text || ':' || e.seq::text, e.stream_id, e.version, e.event_id, e.type, e.schema_version,
           e.data, e.metadata
    FROM ${q('events')} e
    WHERE (e.tx_id, e.seq) > (p_tx, p_seq) AND e.tx_id < v_horizon
    ORDER BY e.tx_id, e.seq
    LIMIT p_limit;
END
$fn$;

-- The read model's checkpoint: the end of the readable log while appends keep the projections.
CREATE FUNCTION ${q('read_model_checkpoint')}() RETURNS text LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_live boolean;
  v_position text;
  v_horizon xid8;
BEGIN
  SELECT live, position INTO v_live, v_position FROM ${q('checkpoints')} WHERE name = 'read-model';
  IF NOT v_live THEN
    RETURN v_position;
  END IF;
  v_horizon := ${q('horizon')}();
  RETURN (SELECT e.tx_id::text || ':' || e.seq::text FROM ${q('events')} e
          WHERE e.tx_id < v_horizon ORDER BY e.tx_id DESC, e.seq DESC LIMIT 1);
END
$fn$;

-- Takes the stream's lock for the rest of the transaction, then reads its events after version p_after.
CREATE FUNCTION ${q('lock_stream')}(p_stream text, p_after integer)
RETURNS TABLE (${eventColumns}) LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(${k}, hashtext(p_stream));
  RETURN QUERY
    SELECT e.tx_id::text || ':' || e.seq::text, e.stream_id, e.version, e.event_id, e.type, e.schema_version,
           e.data, e.metadata
    FROM ${q('events')} e WHERE e.stream_id = p_stream AND e.version > p_after ORDER BY e.version;
END
$fn$;

-- Takes the locks of several streams, in one order for every caller (no deadlock between them).
CREATE FUNCTION ${q('lock_streams')}(p_streams text[]) RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_stream text;
BEGIN
  FOR v_stream IN SELECT DISTINCT s FROM unnest(p_streams) AS s ORDER BY s LOOP
    PERFORM pg_advisory_xact_lock(${k}, hashtext(v_stream));
  END LOOP;
END
$fn$;

-- Writes job projections: p is a JSON array of payloads made by jobProjectionPayload (postgresProjection.ts).
-- A payload applies on top of the stored row when the row is at the payload's base version; otherwise (a reset or
-- damaged read model) the job's lists are rewritten whole, so every write leaves the job exactly projected.
-- Each list's "from": null = unchanged, 0 = rewritten, n = the items from index n are new.
CREATE FUNCTION ${q('write_projections')}(p jsonb) RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  j jsonb;
  v_list jsonb;
  v_id text;
  v_stored integer;
  v_found boolean;
  v_mode text;
  v_from integer;
BEGIN
  FOR j IN SELECT value FROM jsonb_array_elements(p) LOOP
    v_id := j->>'jobId';
    IF j ? 'delete' THEN
      DELETE FROM ${q('jobs')} WHERE job_id = v_id;
      DELETE FROM ${q('status_history')} WHERE job_id = v_id;
      DELETE FROM ${q('archive_history')} WHERE job_id = v_id;
      DELETE FROM ${q('comments')} WHERE job_id = v_id;
      DELETE FROM ${q('access')} WHERE job_id = v_id;
      CONTINUE;
    END IF;
    SELECT version INTO v_stored FROM ${q('jobs')} WHERE job_id = v_id;
    v_found := FOUND;
    v_mode := CASE
      WHEN NOT v_found AND j->>'base' IS NULL THEN 'new'
      WHEN v_found AND v_stored = (j->>'base')::integer THEN 'incremental'
      ELSE 'whole' END;
    IF v_found THEN
      UPDATE ${q('jobs')} t SET tenant_id = r."tenantId", status = r.status, created = r.created,
        created_by_id = r."createdById", agent_id = r."agentId", assigned_agent_id = r."assignedAgentId",
        assigned_agent_pool_id = r."assignedAgentPoolId", model_id = r."modelId", function_id = r."functionId",
        archived = r.archived, lease_expires_at = r."leaseExpiresAt", version = r.version, state = j->'state'
      FROM jsonb_to_record(j->'row') AS r("tenantId" text, status text, created timestamptz,
        "createdById" text, "agentId" text, "assignedAgentId" text, "assignedAgentPoolId" text, "modelId" text,
        "functionId" text, archived boolean, "leaseExpiresAt" timestamptz, version integer)
      WHERE t.job_id = v_id;
    ELSE
      INSERT INTO ${q('jobs')} (job_id, tenant_id, status, created, created_by_id, agent_id, assigned_agent_id,
        assigned_agent_pool_id, model_id, function_id, archived, lease_expires_at, version, state)
      SELECT v_id, r."tenantId", r.status, r.created, r."createdById", r."agentId", r."assignedAgentId",
        r."assignedAgentPoolId", r."modelId", r."functionId", r.archived, r."leaseExpiresAt", r.version, j->'state'
      FROM jsonb_to_record(j->'row') AS r("tenantId" text, status text, created timestamptz,
        "createdById" text, "agentId" text, "assignedAgentId" text, "assignedAgentPoolId" text, "modelId" text,
        "functionId" text, archived boolean, "leaseExpiresAt" timestamptz, version integer);
    END IF;
${projectedLists.map((list) => writeListSql(q, list)).join('\n')}
  END LOOP;
END
$fn$;

-- The one way events get into the log. Checks p_expected ('any', 'no-stream', 'exists' or a version) against
-- the stream's true last version, then that the caller sealed its events after that version (p_tip: the hash
-- chain continues from the tip the caller saw). Outcomes:
--   ok             — stored; tx_id and seqs give the positions.
--   wrong-expected — nothing stored; actual is the stream's last version (-1: no stream).
--   stale          — the expectation holds but the stream moved on: nothing stored; missing holds the events
--                    after p_tip, to seal again.
CREATE FUNCTION ${q('append_events')}(p_stream text, p_expected text, p_tip integer, p_events json,
  p_projection jsonb)
RETURNS TABLE (outcome text, actual integer, tx_id text, seqs bigint[], missing json)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v_actual integer;
  v_seqs bigint[];
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'jobledger: append_events must come before any other write of its transaction'
      USING DETAIL = 'Readers order the log by the ids of the transactions that wrote it (see migrations.ts).';
  END IF;
  PERFORM pg_advisory_xact_lock(${k}, hashtext(p_stream));
  SELECT max(e.version) INTO v_actual FROM ${q('events')} e WHERE e.stream_id = p_stream;
  v_actual := coalesce(v_actual, -1);
  IF NOT (p_expected = 'any' OR (p_expected = 'no-stream' AND v_actual = -1)
          OR (p_expected = 'exists' AND v_actual >= 0) OR p_expected = v_actual::text) THEN
    RETURN QUERY SELECT 'wrong-expected'::text, v_actual, NULL::text, NULL::bigint[], NULL::json;
    RETURN;
  END IF;
  IF json_array_length(p_events) = 0 THEN
    RETURN QUERY SELECT 'ok'::text, v_actual, NULL::text, ARRAY[]::bigint[], NULL::json;
    RETURN;
  END IF;
  IF v_actual <> p_tip THEN
    RETURN QUERY SELECT 'stale'::text, v_actual, NULL::text, NULL::bigint[],
      (SELECT coalesce(json_agg(json_build_object('position', e.tx_id::text || ':' || e.seq::text,
         'streamId', e.stream_id, 'version', e.version, 'eventId', e.event_id, 'type', e.type,
         'schemaVersion', e.schema_version, 'data', e.data, 'metadata', e.metadata) ORDER BY e.version), '[]')
       FROM ${q('events')} e WHERE e.stream_id = p_stream AND e.version > p_tip);
    RETURN;
  END IF;
  WITH inserted AS (
    INSERT INTO ${q('events')} (stream_id, version, event_id, type, schema_version, data, metadata)
    SELECT p_stream, x.version, x."eventId", x.type, x."schemaVersion", coalesce(x.data, 'null'::json), x.metadata
    FROM json_to_recordset(p_events) AS x(version integer, "eventId" text, type text, "schemaVersion" integer,
      data json, metadata json)
    ORDER BY x.version
    RETURNING seq, version)
  SELECT array_agg(i.seq ORDER BY i.version) INTO v_seqs FROM inserted i;
  IF p_projection IS NOT NULL THEN
    PERFORM ${q('write_projections')}(p_projection);
  END IF;
  RETURN QUERY SELECT 'ok'::text, v_actual, pg_current_xact_id()::text, v_seqs, NULL::json;
END
$fn$;
`;

/** The declarations and statements of one append whose stream lock is held (`append_locked`, `append_events`). */
const appendBodySql = (q: PostgresNames['q']): { declare: string; statements: string } => ({
  declare: `  v_actual integer;
  v_seqs bigint[];`,
  statements: `  SELECT max(e.version) INTO v_actual FROM ${q('events')} e WHERE e.stream_id = p_stream;
  v_actual := coalesce(v_actual, -1);
  IF NOT (p_expected = 'any' OR (p_expected = 'no-stream' AND v_actual = -1)
          OR (p_expected = 'exists' AND v_actual >= 0) OR p_expected = v_actual::text) THEN
    RETURN QUERY SELECT 'wrong-expected'::text, v_actual, NULL::text, NULL::bigint[], NULL::json;
    RETURN;
  END IF;
  IF json_array_length(p_events) = 0 THEN
    RETURN QUERY SELECT 'ok'::text, v_actual, NULL::text, ARRAY[]::bigint[], NULL::json;
    RETURN;
  END IF;
  IF v_actual <> p_tip THEN
    RETURN QUERY SELECT 'stale'::text, v_actual, NULL::text, NULL::bigint[],
      (SELECT coalesce(json_agg(json_build_object('position', e.tx_id::text || ':' || e.seq::text,
         'streamId', e.stream_id, 'version', e.version, 'eventId', e.event_id, 'type', e.type,
         'schemaVersion', e.schema_version, 'data', e.data, 'metadata', e.metadata) ORDER BY e.version), '[]')
       FROM ${q('events')} e WHERE e.stream_id = p_stream AND e.version > p_tip);
    RETURN;
  END IF;
  WITH inserted AS (
    INSERT INTO ${q('events')} (stream_id, version, event_id, type, schema_version, data, metadata)
    SELECT p_stream, x.version, x."eventId", x.type, x."schemaVersion", coalesce(x.data, 'null'::json), x.metadata
    FROM json_to_recordset(p_events) AS x(version integer, "eventId" text, type text, "schemaVersion" integer,
      data json, metadata json)
    ORDER BY x.version
    RETURNING seq, version)
  SELECT array_agg(i.seq ORDER BY i.version) INTO v_seqs FROM inserted i;
  IF p_projection IS NOT NULL THEN
    PERFORM ${q('write_projections')}(p_projection);
  END IF;
  RETURN QUERY SELECT 'ok'::text, v_actual, pg_current_xact_id()::text, v_seqs, NULL::json;`,
});

/**
 * Version 2: group commit. `append_batch` stores the appends of several commands (on different streams) in one
 * transaction, so that concurrent commands share one commit (one WAL flush) and one round trip. Each item is
 * checked and answered on its own exactly as `append_events` would: a wrong expectation or a stale tip stores
 * nothing of that item and leaves the others alone. The stream locks of all items are taken first, in one order
 * (`lock_streams`), before the transaction has an id: the horizon of readers (version 1) and freedom from
 * deadlock between batches both rest on that.
 *
 * `append_events` keeps its contract. It and `append_locked` (one item of a batch) run the same checks and writes
 * (`appendBodySql`); `append_events` has them inline, as a nested call costs a measurable share of a lone append.
 */
const v2 = ({ q, writerLockClass: k }: PostgresNames): string => {
  const body = appendBodySql(q);
  return `
-- The checks and writes of one append whose stream lock the caller holds (see append_events for the outcomes).
CREATE FUNCTION ${q('append_locked')}(p_stream text, p_expected text, p_tip integer, p_events json,
  p_projection jsonb)
RETURNS TABLE (outcome text, actual integer, tx_id text, seqs bigint[], missing json)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
${body.declare}
BEGIN
${body.statements}
END
$fn$;

CREATE OR REPLACE FUNCTION ${q('append_events')}(p_stream text, p_expected text, p_tip integer, p_events json,
  p_projection jsonb)
RETURNS TABLE (outcome text, actual integer, tx_id text, seqs bigint[], missing json)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
${body.declare}
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'jobledger: append_events must come before any other write of its transaction'
      USING DETAIL = 'Readers order the log by the ids of the transactions that wrote it (see migrations.ts).';
  END IF;
  PERFORM pg_advisory_xact_lock(${k}, hashtext(p_stream));
${body.statements}
END
$fn$;

-- Several appends in one transaction: p_items is a JSON array of
-- { "stream", "expected", "tip", "events", "projection" } (the arguments of append_events), on distinct streams.
-- One row per item, idx counting from 1.
CREATE FUNCTION ${q('append_batch')}(p_items json)
RETURNS TABLE (idx integer, outcome text, actual integer, tx_id text, seqs bigint[], missing json)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v_item json;
  v_idx bigint;
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'jobledger: append_batch must come before any other write of its transaction'
      USING DETAIL = 'Readers order the log by the ids of the transactions that wrote it (see migrations.ts).';
  END IF;
  PERFORM ${q('lock_streams')}(ARRAY(SELECT x->>'stream' FROM json_array_elements(p_items) AS x));
  FOR v_item, v_idx IN SELECT x.value, x.ordinality FROM json_array_elements(p_items) WITH ORDINALITY AS x LOOP
    RETURN QUERY SELECT v_idx::integer, a.outcome, a.actual, a.tx_id, a.seqs, a.missing
      FROM ${q('append_locked')}(v_item->>'stream', v_item->>'expected', (v_item->>'tip')::integer,
        v_item->'events', nullif((v_item->'projection')::jsonb, 'null'::jsonb)) AS a;
  END LOOP;
END
$fn$;
`;
};

/**
 * The child lists of a job projection from version 3 on. The job's histories and comments are read from its
 * `state` (one row per job), so only what listing and claims filter on keeps a table: the agents that reported
 * on a job (an agent sees every job it ever reported on, policy.relationOf) and the access grants.
 */
const leanLists: readonly ProjectedList[] = [
  { key: 'agents', table: 'job_agents', columns: [['agent_id', 'agentId', 'text']] },
  projectedLists.find((list) => list.key === 'access')!,
];

/** The tables of the job projections besides `jobs`, in the latest schema (for reset and rebuild). */
export const jobChildTables: readonly string[] = leanLists.map((list) => list.table);

/** `write_projections` over `lists`: see version 1 for the payload and the write modes. */
const writeProjectionsSql = (q: PostgresNames['q'], lists: readonly ProjectedList[]): string => `
CREATE OR REPLACE FUNCTION ${q('write_projections')}(p jsonb) RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  j jsonb;
  v_list jsonb;
  v_id text;
  v_stored integer;
  v_found boolean;
  v_mode text;
  v_from integer;
BEGIN
  FOR j IN SELECT value FROM jsonb_array_elements(p) LOOP
    v_id := j->>'jobId';
    IF j ? 'delete' THEN
      DELETE FROM ${q('jobs')} WHERE job_id = v_id;
${lists.map((list) => `      DELETE FROM ${q(list.table)} WHERE job_id = v_id;`).join('\n')}
      CONTINUE;
    END IF;
    SELECT version INTO v_stored FROM ${q('jobs')} WHERE job_id = v_id;
    v_found := FOUND;
    v_mode := CASE
      WHEN NOT v_found AND j->>'base' IS NULL THEN 'new'
      WHEN v_found AND v_stored = (j->>'base')::integer THEN 'incremental'
      ELSE 'whole' END;
    INSERT INTO ${q('jobs')} AS t (job_id, tenant_id, status, created, created_by_id, agent_id,
      assigned_agent_id, assigned_agent_pool_id, model_id, function_id, archived, lease_expires_at, version, state)
    SELECT v_id, r."tenantId", r.status, r.created, r."createdById", r."agentId", r."assignedAgentId",
      r."assignedAgentPoolId", r."modelId", r."functionId", r.archived, r."leaseExpiresAt", r.version, j->'state'
    FROM jsonb_to_record(j->'row') AS r("tenantId" text, status text, created timestamptz,
      "createdById" text, "agentId" text, "assignedAgentId" text, "assignedAgentPoolId" text, "modelId" text,
      "functionId" text, archived boolean, "leaseExpiresAt" timestamptz, version integer)
    ON CONFLICT (job_id) DO UPDATE SET tenant_id = excluded.tenant_id, status = excluded.status,
      created = excluded.created, created_by_id = excluded.created_by_id, agent_id = excluded.agent_id,
      assigned_agent_id = excluded.assigned_agent_id, assigned_agent_pool_id = excluded.assigned_agent_pool_id,
      model_id = excluded.model_id, function_id = excluded.function_id, archived = excluded.archived,
      lease_expires_at = excluded.lease_expires_at, version = excluded.version, state = excluded.state;
${lists.map((list) => writeListSql(q, list)).join('\n')}
  END LOOP;
END
$fn$;`;

/**
 * Version 3: lean job projections. Every command wrote a row per status into `status_history` (and archive and
 * comment rows) besides the job row, which holds all of it in `state` already; those writes were a large share
 * of an append's cost on the server. Now a command writes the job row, plus a `job_agents` row when an agent
 * reports on the job for the first time, plus the grants when they change. `job_agents` is filled from
 * `status_history` (each job's agents in the order they first appear), then the three tables go.
 */
const v3 = ({ q }: PostgresNames): string => `
CREATE TABLE ${q('job_agents')} (
  job_id   text COLLATE "C" NOT NULL,
  seq      integer NOT NULL,
  agent_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX job_agents_by_agent ON ${q('job_agents')} (agent_id, job_id);
INSERT INTO ${q('job_agents')} (job_id, seq, agent_id)
  SELECT f.job_id, (row_number() OVER (PARTITION BY f.job_id ORDER BY f.first_seq) - 1)::integer, f.agent_id
  FROM (SELECT h.job_id, h.agent_id, min(h.seq) AS first_seq FROM ${q('status_history')} h
        WHERE h.agent_id IS NOT NULL GROUP BY h.job_id, h.agent_id) f;
DROP TABLE ${q('status_history')}, ${q('archive_history')}, ${q('comments')};
${writeProjectionsSql(q, leanLists)}
`;

/** Step 4: the leaves of the Merkle tree over the log (audit proofs), a read model the ledger catches up. */
const v4 = ({ q }: PostgresNames): string => `
CREATE TABLE IF NOT EXISTS ${q('merkle_leaves')} (
  leaf_index bigint PRIMARY KEY,
  stream_id  text    NOT NULL,
  version    integer NOT NULL,
  leaf_hash  bytea   NOT NULL
);
CREATE TABLE IF NOT EXISTS ${q('merkle_head')} (
  id       integer PRIMARY KEY CHECK (id = 1),
  size     bigint  NOT NULL,
  position text
);
`;

/**
 * Version 6: claims by function without a scan of the queue. An agent that asks only for some functions walks
 * the Pending jobs of each of them, oldest first, instead of every Pending job of its tenant.
 */
const v6 = ({ q }: PostgresNames): string => `
CREATE INDEX IF NOT EXISTS jobs_claimable_by_function ON ${q('jobs')} (tenant_id, function_id, created, job_id)
  WHERE status = 'Pending' AND NOT archived;
`;

/**
 * Version 7: leases renewed beside the streams. The last renewal of each job, kept by a compare-and-set on the
 * stream under its writer lock (heartbeats append no events); it counts only under the claim it names.
 */
const v7 = ({ q }: PostgresNames): string => `
CREATE TABLE IF NOT EXISTS ${q('job_leases')} (
  job_id        text COLLATE "C" PRIMARY KEY,
  agent_id      text COLLATE "C" NOT NULL,
  claim_version integer NOT NULL,
  expires_at    timestamptz NOT NULL
);
`;

/**
 * The schema of the Postgres store, oldest first. Never edit a released step: add a new one, so that a schema
 * written by an older jobledger is brought forward on open.
 */
export const postgresMigrations: readonly PostgresMigration[] = [
  { version: 1, description: 'events, job projections, append and read functions', sql: v1 },
  { version: 2, description: 'append_batch: several appends in one transaction (group commit)', sql: v2 },
  { version: 3, description: 'lean job projections: job_agents instead of per-status rows', sql: v3 },
  { version: 4, description: 'the leaves of the Merkle tree over the log (audit proofs)', sql: v4 },
  postgresIdempotencyMigration,
  { version: 6, description: 'claims by function without a scan of the queue', sql: v6 },
  { version: 7, description: 'leases renewed beside the streams (heartbeats append no events)', sql: v7 },
  postgresJobCountsMigration,
];

/** The schema version this jobledger writes. */
export const latestPostgresSchemaVersion: number = postgresMigrations[postgresMigrations.length - 1]!.version;

const newerError = (schema: string, current: number, latest: number): Error =>
  new Error(
    `schema ${schema} is at version ${current}, newer than this jobledger knows (${latest}); upgrade jobledger`,
  );

const undefinedObject = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === '42P01' || code === '3F000';
};

const versionOf = async (client: pg.PoolClient, names: PostgresNames): Promise<number> => {
  try {
    const r = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${names.q('migrations')}`,
    );
    return r.rows[0]?.version ?? 0;
  } catch (error) {
    if (undefinedObject(error)) return 0;
    throw error;
  }
};

/**
 * Brings the schema to the latest version of `available`, in one transaction under a transaction-level advisory
 * lock, so that many instances starting together migrate once (the others wait, then find it done). A schema
 * that is already current is only read. Throws when the schema was written by a newer jobledger, and leaves it
 * untouched.
 */
export const migratePostgres = async (
  pool: pg.Pool,
  names: PostgresNames,
  available: readonly PostgresMigration[] = postgresMigrations,
): Promise<number> => {
  const latest = available[available.length - 1]?.version ?? 0;
  const client = await pool.connect();
  let inTransaction = false;
  try {
    const seen = await versionOf(client, names);
    if (seen > latest) throw newerError(names.schema, seen, latest);
    if (seen === latest) {
      client.release();
      return latest;
    }
    await client.query('BEGIN');
    inTransaction = true;
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [names.migrationLockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${names.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${names.q('migrations')} (
      version     integer PRIMARY KEY,
      description text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      applied_by  text NOT NULL
    )`);
    // Another instance may have migrated while this one waited for the lock.
    const current = await versionOf(client, names);
    if (current > latest) throw newerError(names.schema, current, latest);
    for (const step of available) {
      if (step.version <= current) continue;
      await client.query(step.sql(names));
      await client.query(
        `INSERT INTO ${names.q('migrations')} (version, description, applied_by)
         VALUES ($1, $2, current_setting('application_name') || ' pid ' || pg_backend_pid())`,
        [step.version, step.description],
      );
    }
    await client.query('COMMIT');
    inTransaction = false;
    client.release();
    return latest;
  } catch (error) {
    if (inTransaction) {
      // A connection that cannot roll back is broken: it goes, instead of back to the pool.
      const rollback = await client.query('ROLLBACK').then(
        () => undefined,
        (failure: unknown) => failure,
      );
      client.release(rollback === undefined ? undefined : (rollback as Error));
    } else client.release();
    throw error;
  }
};
