import type BetterSqlite3 from 'better-sqlite3';
import { idempotencyMigration } from './idempotencyMigration.js';

/** One step of the SQLite schema. Steps run in order, each at most once per database file. */
export interface Migration {
  /** The schema version after this step (recorded in `PRAGMA user_version`). */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** The statement of the `job_counts` triggers (version 2) that counts the job row `new` in. */
const countNewIn = `        INSERT INTO job_counts (tenant_id, created_by_id, status, archived, n)
          VALUES (new.tenant_id, new.created_by_id, new.status, new.archived, 1)
          ON CONFLICT (tenant_id, created_by_id, status, archived) DO UPDATE SET n = n + 1;`;

/** The statement of the `job_counts` triggers (version 2) that counts the job row `old` out. */
const countOldOut = `        UPDATE job_counts SET n = n - 1
          WHERE tenant_id = old.tenant_id AND created_by_id = old.created_by_id AND status = old.status
            AND archived = old.archived;`;

/**
 * The schema of the SQLite store, oldest first. Never edit a released step: add a new one, so that a file
 * written by an older jobledger is brought forward on open.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'events, job projections, checkpoints',
    sql: `
      -- The log. position is the rowid: without AUTOINCREMENT a new row gets max(rowid) + 1, and since events
      -- are never deleted, positions never go backwards.
      CREATE TABLE events (
        position       INTEGER PRIMARY KEY,
        stream_id      TEXT    NOT NULL,
        version        INTEGER NOT NULL,
        event_id       TEXT    NOT NULL UNIQUE,
        type           TEXT    NOT NULL,
        schema_version INTEGER NOT NULL,
        data           TEXT    NOT NULL,
        metadata       TEXT    NOT NULL,
        UNIQUE (stream_id, version)
      );

      -- One row per job: the JobRow columns, for listing and claims. Times are epoch milliseconds.
      CREATE TABLE jobs (
        job_id                 TEXT    PRIMARY KEY,
        tenant_id              TEXT    NOT NULL,
        status                 TEXT    NOT NULL,
        created                INTEGER,
        created_by_id          TEXT    NOT NULL,
        agent_id               TEXT,
        assigned_agent_id      TEXT,
        assigned_agent_pool_id TEXT,
        model_id               TEXT,
        function_id            TEXT    NOT NULL,
        archived               INTEGER NOT NULL,
        lease_expires_at       INTEGER,
        version                INTEGER NOT NULL
      );
      CREATE INDEX jobs_by_tenant ON jobs (tenant_id, archived, created, job_id);
      CREATE INDEX jobs_by_archive ON jobs (archived, created, job_id);
      -- Covers a user's visibility (creator) so that counting a user's jobs does not read the rows.
      CREATE INDEX jobs_by_creator ON jobs (tenant_id, created_by_id, archived, created, job_id);
      CREATE INDEX jobs_claimable ON jobs (status, tenant_id, created, job_id);
      CREATE INDEX jobs_by_lease ON jobs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

      -- The whole JobState of each job as JSON, so that getJob is one read. It lives beside jobs rather than in
      -- it: a kilobyte of JSON per row would spread the job rows over many more pages, and every listing that
      -- counts or filters rows would read them all.
      CREATE TABLE job_states (
        job_id TEXT PRIMARY KEY,
        state  TEXT NOT NULL
      );

      CREATE TABLE status_history (
        job_id        TEXT    NOT NULL,
        seq           INTEGER NOT NULL,
        status_id     TEXT    NOT NULL,
        name          TEXT    NOT NULL,
        created       INTEGER,
        created_by_id TEXT    NOT NULL,
        message       TEXT,
        agent_id      TEXT,
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;
      -- An agent sees every job it ever reported on (policy.relationOf).
      CREATE INDEX status_history_by_agent ON status_history (agent_id, job_id) WHERE agent_id IS NOT NULL;

      CREATE TABLE archive_history (
        job_id        TEXT    NOT NULL,
        seq           INTEGER NOT NULL,
        status_id     TEXT    NOT NULL,
        name          TEXT    NOT NULL,
        reason        TEXT,
        created       INTEGER,
        created_by_id TEXT    NOT NULL,
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE comments (
        job_id        TEXT    NOT NULL,
        seq           INTEGER NOT NULL,
        comment_id    TEXT    NOT NULL,
        content       TEXT    NOT NULL,
        created       INTEGER,
        created_by_id TEXT    NOT NULL,
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;

      -- subject_key is what a principal is matched on: the id, or the lower-cased address of an email grant.
      CREATE TABLE access (
        job_id        TEXT    NOT NULL,
        access_id     TEXT    NOT NULL,
        subject_type  TEXT    NOT NULL,
        subject_id    TEXT    NOT NULL,
        subject_key   TEXT    NOT NULL,
        relation      TEXT    NOT NULL,
        created       INTEGER,
        created_by_id TEXT    NOT NULL,
        PRIMARY KEY (job_id, access_id)
      ) WITHOUT ROWID;
      CREATE INDEX access_by_subject ON access (subject_type, subject_key, job_id);

      -- The last event the projection tables reflect.
      CREATE TABLE checkpoints (
        name     TEXT PRIMARY KEY,
        position INTEGER
      );
      INSERT INTO checkpoints (name, position) VALUES ('read-model', NULL);

      -- Present while a rebuild of the projections is under way (see rebuildSqliteReadModel.ts): where it
      -- resumes. Appends leave the projection tables alone while this row exists.
      CREATE TABLE rebuild (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        until         INTEGER NOT NULL,
        stream_id     TEXT,
        version       INTEGER,
        tail_position INTEGER,
        events        INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'job counts per tenant, creator, status and archived, kept by triggers',
    sql: `
      -- How many job rows there are per (tenant, creator, status, archived), so that the total of a listing
      -- filtered by no more than these is a sum over a few rows instead of a count over every job of a tenant.
      -- Triggers keep it, so every writer of jobs (appends, rebuild, another process, an older jobledger's
      -- file brought forward here) keeps it in step with the rows in the same transaction.
      CREATE TABLE job_counts (
        tenant_id     TEXT    NOT NULL,
        created_by_id TEXT    NOT NULL,
        status        TEXT    NOT NULL,
        archived      INTEGER NOT NULL,
        n             INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, created_by_id, status, archived)
      ) WITHOUT ROWID;
      INSERT INTO job_counts (tenant_id, created_by_id, status, archived, n)
        SELECT tenant_id, created_by_id, status, archived, count(*) FROM jobs
        GROUP BY tenant_id, created_by_id, status, archived;
      CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
${countNewIn}
      END;
      CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
${countOldOut}
      END;
      CREATE TRIGGER job_counts_update AFTER UPDATE OF tenant_id, created_by_id, status, archived ON jobs
        WHEN old.tenant_id IS NOT new.tenant_id OR old.created_by_id IS NOT new.created_by_id
          OR old.status IS NOT new.status OR old.archived IS NOT new.archived
      BEGIN
${countOldOut}
${countNewIn}
      END;
    `,
  },
  {
    version: 3,
    description: 'the leaves of the Merkle tree over the log (audit proofs), a read model',
    sql: `
      -- Leaf i of the tree is the i-th event of the log; leaf_hash = SHA-256(0x00 || event hash) (RFC 9162).
      CREATE TABLE IF NOT EXISTS merkle_leaves (
        leaf_index INTEGER PRIMARY KEY,
        stream_id  TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        leaf_hash  BLOB    NOT NULL
      );
      -- How many leaves are kept, and the log position of the last.
      CREATE TABLE IF NOT EXISTS merkle_head (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        size     INTEGER NOT NULL,
        position TEXT
      );
    `,
  },
  idempotencyMigration,
  {
    version: 5,
    description: 'leases renewed beside the streams (heartbeats append no events)',
    sql: `
      -- The last lease renewal of each job: kept by a compare-and-set on the stream's version, never by an
      -- event, so a job that runs for hours keeps a short history. It counts only under the claim it names
      -- (claim_version, the version of the claim event); a rebuild of the projections leaves it alone.
      CREATE TABLE IF NOT EXISTS job_leases (
        job_id        TEXT    PRIMARY KEY,
        agent_id      TEXT    NOT NULL,
        claim_version INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    description: 'claims by function without a scan of the queue',
    sql: `
      -- An agent that asks only for some functions walks the Pending jobs of each of them, oldest first, instead
      -- of every Pending job of its tenant: a function filter that matches nothing costs one index probe.
      CREATE INDEX IF NOT EXISTS jobs_claimable_by_function ON jobs (tenant_id, function_id, created, job_id)
        WHERE status = 'Pending' AND archived = 0;
    `,
  },
  {
    version: 7,
    description: 'fewer pages written per append: no projection table that nothing reads',
    sql: `
      -- Every page an append changes is written to the WAL at its commit, so each table or index an append
      -- touches costs every command. getJob reads a job's histories and comments from job_states; of the
      -- per-item tables only one question was ever asked: which jobs did an agent report on (an agent sees
      -- them, policy.relationOf). One row per agent and job answers it, written at the agent's first report.
      CREATE TABLE IF NOT EXISTS job_agents (
        agent_id TEXT NOT NULL,
        job_id   TEXT NOT NULL,
        PRIMARY KEY (agent_id, job_id)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO job_agents (agent_id, job_id)
        SELECT agent_id, job_id FROM status_history WHERE agent_id IS NOT NULL;
      DROP TABLE IF EXISTS status_history;
      DROP TABLE IF EXISTS archive_history;
      DROP TABLE IF EXISTS comments;
    `,
  },
  {
    version: 8,
    description: 'listings keep decoded states by version: a generation for rewrites at the same version',
    sql: `
      -- A job's state at a given version only changes when the projection tables are rewritten (a reset or a
      -- rebuild, which bump this number in their transaction; a later step that rewrites states must bump it
      -- too). A listing then reads the (version, generation) of its rows and decodes only the states it has not
      -- decoded before, instead of reading every state's text (sqliteReadModel.listJobs).
      INSERT OR IGNORE INTO checkpoints (name, position) VALUES ('state-generation', 0);
    `,
  },
];

/** The schema version this jobledger writes. */
export const latestSchemaVersion: number = migrations[migrations.length - 1]!.version;

const newerError = (current: number, latest: number): Error =>
  new Error(`database schema version ${current} is newer than this jobledger (${latest}); upgrade jobledger`);

/**
 * Brings the database to the latest schema version of `available`, in one `BEGIN IMMEDIATE` transaction (so
 * two processes opening a fresh file do not both migrate it). A file that is already current is only read.
 * Throws when the file was written by a newer jobledger, and leaves it untouched.
 */
export const migrate = (db: BetterSqlite3.Database, available: readonly Migration[] = migrations): number => {
  const latest = available[available.length - 1]?.version ?? 0;
  const versionOf = (): number => db.pragma('user_version', { simple: true }) as number;
  const seen = versionOf();
  if (seen > latest) throw newerError(seen, latest);
  if (seen === latest) return latest;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Another process may have migrated the file while this one waited for the lock.
    const current = versionOf();
    if (current > latest) throw newerError(current, latest);
    for (const step of available) {
      if (step.version <= current) continue;
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }
    db.exec('COMMIT');
    return latest;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
};
