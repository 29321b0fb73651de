// The peers: Emmett's SQLite event store (0.42, on node-sqlite3) and raw better-sqlite3 one-row transactions.
import path from 'node:path';
import Database from 'better-sqlite3';
import { v4 as uuid } from 'uuid';
import { getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite';

/** A JobCreated payload like the ledger's, so that rows are of the same size on every side. */
export const jobCreatedData = (jobId) => ({
  jobId,
  tenantId: 't1',
  function: { id: 'fn-1' },
  file: { name: 'params.json' },
  statusId: uuid(),
  archiveStatusId: uuid(),
});

/**
 * Emmett's SQLite event store on `file` with ONE connection for its whole life (`connectionOptions.singleton`
 * with our connection; without it Emmett opens and closes the file on every call) and `PRAGMA synchronous`
 * set on that connection. Each op appends one event to a new stream `job-<uuid>` (like a draft createJob).
 */
export const openEmmett = async (dir, synchronous) => {
  const fileName = path.join(dir, `emmett-${synchronous}.db`);
  const connection = sqliteConnection({ fileName }); // runs PRAGMA journal_mode = WAL itself
  await connection.command(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
  const level = (await connection.querySingle('PRAGMA synchronous'))?.synchronous;
  const journal = (await connection.querySingle('PRAGMA journal_mode'))?.journal_mode;
  const eventStore = getSQLiteEventStore({
    fileName,
    connectionOptions: { singleton: true, connection },
  });
  await eventStore.schema.migrate();
  return {
    settings: {
      synchronous: ['off', 'normal', 'full', 'extra'][level] ?? String(level),
      journalMode: journal,
    },
    appendOne: async () => {
      const jobId = uuid();
      await eventStore.appendToStream(`job-${jobId}`, [{ type: 'JobCreated', data: jobCreatedData(jobId) }]);
      return true;
    },
    close: () =>
      new Promise((resolve) => {
        connection.close();
        // node-sqlite3 closes asynchronously; give it a moment before the directory is removed.
        setTimeout(resolve, 50);
      }),
  };
};

/**
 * The limit: raw better-sqlite3, one event row per transaction (BEGIN IMMEDIATE; INSERT; COMMIT) into a table
 * shaped like jobledger's events table, WAL, the given synchronous. Synchronous calls: N async callers cannot
 * share a commit, so this is also what N callers get.
 */
export const openRaw = (dir, synchronous) => {
  const db = new Database(path.join(dir, `raw-${synchronous}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  db.exec(`CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
    data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, version))`);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const insert = db.prepare(
    'INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata) VALUES (?, 0, ?, ?, 1, ?, ?)',
  );
  const hash = 'f'.repeat(64);
  const level = db.pragma('synchronous', { simple: true });
  return {
    settings: {
      synchronous: ['off', 'normal', 'full', 'extra'][level] ?? String(level),
      journalMode: db.pragma('journal_mode', { simple: true }),
    },
    appendOne: async () => {
      const jobId = uuid();
      const metadata = {
        recordedAt: new Date().toISOString(),
        actor: { kind: 'user', id: 'u-alice' },
        prevHash: '',
        hash,
      };
      begin.run();
      insert.run(
        `job-${jobId}`,
        uuid(),
        'JobCreated',
        JSON.stringify(jobCreatedData(jobId)),
        JSON.stringify(metadata),
      );
      commit.run();
      return true;
    },
    close: async () => db.close(),
  };
};
