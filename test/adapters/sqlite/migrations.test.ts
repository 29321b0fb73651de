import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion, migrate, migrations } from '../../../src/adapters/sqlite/migrations.js';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { jobCountDrift } from './jobCounts.js';
import { jobScenario, playScenario } from './jobScenario.js';
import { tempDatabases } from './tempDatabase.js';

const databases = tempDatabases();
afterAll(() => databases.cleanup());

const tables = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
};

describe('migrations', () => {
  it('bring a fresh file to the latest schema version', async () => {
    const file = databases.file();
    const store = sqliteEventStore({ file });
    expect(store.settings().schemaVersion).toBe(latestSchemaVersion);
    await store.close();
    expect(tables(file)).toEqual(
      expect.arrayContaining(['events', 'jobs', 'job_states', 'job_agents', 'access', 'checkpoints']),
    );
  });

  it('leave a current file alone on reopen and keep its events', async () => {
    const file = databases.file();
    const first = sqliteEventStore({ file });
    await first.append('s-1', [{ type: 'A', data: { n: 1 } }], { expected: 'no-stream' })();
    await first.close();
    const again = sqliteEventStore({ file });
    const events = [];
    for await (const e of again.readStream('s-1')) events.push(e);
    expect(events.map((e) => e.data)).toEqual([{ n: 1 }]);
    expect(await again.append('s-1', [{ type: 'A', data: { n: 2 } }], { expected: 0 })()).toMatchObject({
      _tag: 'Right',
      right: { nextVersion: 2, position: '2' },
    });
    await again.close();
  });

  it('run only the steps a file lacks', () => {
    const db = new Database(':memory:');
    const extra = [
      ...migrations,
      { version: latestSchemaVersion + 1, description: 'test', sql: 'CREATE TABLE extra (x)' },
    ];
    expect(migrate(db)).toBe(latestSchemaVersion);
    expect(migrate(db, extra)).toBe(latestSchemaVersion + 1);
    expect(migrate(db, extra)).toBe(latestSchemaVersion + 1);
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion + 1);
    db.close();
  });

  it('bring a version 1 file forward: its job counts come from its rows and follow every later write', async () => {
    const file = databases.file();
    const first = sqliteEventStore({ file });
    await playScenario(first, jobScenario(30, 3));
    await first.close();
    // What a version 1 file holds: the same rows, without the counts (and with the per-item tables of version 1).
    const raw = new Database(file);
    raw.exec(`DROP TRIGGER job_counts_insert; DROP TRIGGER job_counts_delete; DROP TRIGGER job_counts_update;
              DROP TABLE job_counts; PRAGMA user_version = 1;
              CREATE TABLE status_history (job_id TEXT, seq INTEGER, agent_id TEXT);
              CREATE TABLE archive_history (job_id TEXT); CREATE TABLE comments (job_id TEXT)`);
    raw.close();

    const reopened = sqliteEventStore({ file });
    expect(reopened.settings().schemaVersion).toBe(latestSchemaVersion);
    expect(jobCountDrift(file)).toEqual([]);
    const ledger = createJobLedger({ store: reopened });
    const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    const created = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
    if (E.isLeft(created)) throw new Error(created.left.message);
    expect(E.isRight(await alice.archiveJob(created.right.id)())).toBe(true);
    expect(jobCountDrift(file)).toEqual([]);
    const page = await ledger
      .as({ kind: 'user', id: 'u-root', tenantId: 't1', roles: ['administrator'] })
      .listJobs({ archiveStatus: 'all' })();
    const rows = (await reopened.readModel.dump()).jobs.filter((j) => j.row.tenantId === 't1');
    expect(page).toMatchObject({ _tag: 'Right', right: { total: rows.length } });
    await ledger.close()();
  });

  it('bring a version 6 file forward: which agent reported on which job is kept, the unread tables go', async () => {
    const file = databases.file();
    const raw = new Database(file);
    migrate(raw, migrations.slice(0, 6));
    raw.close();
    // A job claimed and run by agent-7 on the version 6 schema (its status rows name the agent), then handed on
    // to agent-8, so that agent-7 sees it only through what it reported.
    const first = new Database(file);
    first.exec(`INSERT INTO jobs (job_id, tenant_id, status, created, created_by_id, agent_id, function_id, archived,
                  version) VALUES ('j-1', 't1', 'Running', 1, 'u-alice', 'agent-8', 'fn-1', 0, 5);
                INSERT INTO status_history (job_id, seq, status_id, name, created, created_by_id, message, agent_id)
                  VALUES ('j-1', 0, 's0', 'Created', 1, 'u-alice', NULL, NULL),
                         ('j-1', 1, 's1', 'Claimed', 2, 'agent-7', NULL, 'agent-7'),
                         ('j-1', 2, 's2', 'Running', 3, 'agent-7', NULL, 'agent-7');`);
    first.close();
    const store = sqliteEventStore({ file });
    expect(store.settings().schemaVersion).toBe(latestSchemaVersion);
    await store.close();
    expect(tables(file)).not.toEqual(expect.arrayContaining(['status_history']));
    expect(tables(file)).not.toEqual(expect.arrayContaining(['archive_history']));
    expect(tables(file)).not.toEqual(expect.arrayContaining(['comments']));
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT agent_id, job_id FROM job_agents').all()).toEqual([
      { agent_id: 'agent-7', job_id: 'j-1' },
    ]);
    check.close();
  });

  it('refuse a file written by a newer jobledger, and leave it untouched', async () => {
    const file = databases.file();
    await sqliteEventStore({ file }).close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => sqliteEventStore({ file })).toThrow(
      `database schema version 99 is newer than this jobledger (${latestSchemaVersion}); upgrade jobledger`,
    );
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(99);
    check.close();
  });

  it('roll back a failing step entirely', () => {
    const db = new Database(':memory:');
    const broken = [
      ...migrations,
      { version: latestSchemaVersion + 1, description: 'broken', sql: 'CREATE TABLE y (a); BOGUS' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events'").pluck().get()).toBe(0);
    db.close();
  });
});

describe('opening', () => {
  it('fails with one line naming the store when the file is not a database', () => {
    const file = databases.file('not-a-db.db');
    writeFileSync(
      file,
      'this is not SQLite, just text that is long enough to be read as a header.'.repeat(20),
    );
    expect(() => sqliteEventStore({ file })).toThrow(
      /^cannot open sqlite:.*not-a-db\.db: file is not a database$/,
    );
  });

  it('fails with one line when the directory does not exist', () => {
    expect(() => sqliteEventStore({ file: databases.file('missing/dir/x.db') })).toThrow(
      /^cannot open sqlite:[^\n]+$/,
    );
  });

  it('reports WAL, the synchronous level asked for, and the busy timeout', async () => {
    const full = sqliteEventStore({ file: databases.file() });
    expect(full.settings()).toMatchObject({ journalMode: 'wal', synchronous: 'full', busyTimeoutMs: 5000 });
    await full.close();
    const normal = sqliteEventStore({ file: databases.file(), synchronous: 'normal', busyTimeoutMs: 250 });
    expect(normal.settings()).toMatchObject({
      journalMode: 'wal',
      synchronous: 'normal',
      busyTimeoutMs: 250,
    });
    expect(normal.description).toMatch(/^sqlite:.*\?synchronous=normal$/);
    await normal.close();
  });

  it('fails every later call with StoreError once closed', async () => {
    const store = sqliteEventStore({ file: databases.file() });
    await store.close();
    await store.close();
    const appended = await store.append('s', [{ type: 'A', data: {} }], { expected: 'any' })();
    expect(E.isLeft(appended) && appended.left._tag).toBe('StoreError');
    const executed = await store.execute!('s', () => E.right([]))();
    expect(E.isLeft(executed) && executed.left._tag).toBe('StoreError');
    await expect(store.readAll()[Symbol.asyncIterator]().next()).rejects.toThrow(/is closed/);
    await expect(store.readModel.getJob('x')).rejects.toThrow(/is closed/);
  });

  it('commits what was already accepted when closed', async () => {
    const file = databases.file();
    const store = sqliteEventStore({ file });
    const pending = store.append('s', [{ type: 'A', data: {} }], { expected: 'no-stream' })();
    await store.close();
    expect(E.isRight(await pending)).toBe(true);
    const again = sqliteEventStore({ file });
    const events = [];
    for await (const e of again.readStream('s')) events.push(e);
    expect(events).toHaveLength(1);
    await again.close();
  });
});
