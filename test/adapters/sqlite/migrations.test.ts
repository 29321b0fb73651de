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
      expect.arrayContaining([
        'events',
        'jobs',
        'status_history',
        'archive_history',
        'comments',
        'access',
        'checkpoints',
      ]),
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
    // What a version 1 file holds: the same rows, without the counts.
    const raw = new Database(file);
    raw.exec(`DROP TRIGGER job_counts_insert; DROP TRIGGER job_counts_delete; DROP TRIGGER job_counts_update;
              DROP TABLE job_counts; PRAGMA user_version = 1`);
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
