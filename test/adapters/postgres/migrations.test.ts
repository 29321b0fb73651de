import * as E from 'fp-ts/lib/Either.js';
import { afterAll, expect, it } from 'vitest';
import pg from 'pg';
import {
  latestPostgresSchemaVersion,
  migratePostgres,
  postgresMigrations,
  postgresNames,
} from '../../../src/adapters/postgres/migrations.js';
import { postgresEventStore } from '../../../src/adapters/postgres/postgresEventStore.js';
import { describePg, freshSchema, pgStores, pgUrl, sql } from './pgTestServer.js';

describePg('Postgres migrations', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('ten instances starting together on a fresh schema migrate it once', async () => {
    const schema = freshSchema('migrate');
    const instances = Array.from({ length: 10 }, (_, i) =>
      stores.open(schema, { poolSize: 2, applicationName: `jobledger-instance-${i}` }),
    );
    // Every instance's first call needs the schema: they all try to migrate at once.
    const results = await Promise.all(
      instances.map((s, i) =>
        s.append(`boot-${i}`, [{ type: 'Booted', data: { i } }], { expected: 'no-stream' })(),
      ),
    );
    expect(results.every(E.isRight), JSON.stringify(results.filter(E.isLeft))).toBe(true);
    const applied = await sql<{ version: number; applied_by: string }>(
      `SELECT version, applied_by FROM "${schema}".migrations ORDER BY version`,
    );
    expect(applied.map((a) => a.version)).toEqual(
      Array.from({ length: latestPostgresSchemaVersion }, (_, i) => i + 1),
    );
    // One instance did all the work.
    expect(new Set(applied.map((a) => a.applied_by)).size).toBe(1);
    expect(applied[0]!.applied_by).toMatch(/^jobledger-instance-\d pid \d+$/);
    const events: unknown[] = [];
    for await (const e of instances[0]!.readAll()) events.push(e);
    expect(events).toHaveLength(10);
  });

  it('refuses a schema written by a newer jobledger, and leaves it alone', async () => {
    const schema = freshSchema('newer');
    await stores.open(schema).migrate();
    await sql(
      `INSERT INTO "${schema}".migrations (version, description, applied_by) VALUES ($1, 'from the future', 'test')`,
      [latestPostgresSchemaVersion + 1],
    );
    const store = stores.open(schema);
    const result = await store.append('x', [{ type: 'A', data: {} }], { expected: 'any' })();
    expect(result).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
    if (E.isLeft(result)) {
      expect(result.left.message).toContain(
        `schema ${schema} is at version ${latestPostgresSchemaVersion + 1}, newer than this jobledger knows (${latestPostgresSchemaVersion}); upgrade jobledger`,
      );
    }
    await expect(store.migrate()).rejects.toThrow(/newer than this jobledger/);
    expect(await sql(`SELECT count(*)::int AS n FROM "${schema}".events`)).toEqual([{ n: 0 }]);
  });

  it('brings a version 1 schema forward: the agents of each job move from status_history to job_agents', async () => {
    const schema = freshSchema('upgrade');
    const pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
    try {
      await migratePostgres(pool, postgresNames(schema), postgresMigrations.slice(0, 1));
    } finally {
      await pool.end();
    }
    // Status rows as version 1 wrote them: agents repeat, some rows have none.
    const rows: [string, number, string | null][] = [
      ['j-1', 0, null],
      ['j-1', 1, null],
      ['j-1', 2, 'agent-b'],
      ['j-1', 3, 'agent-b'],
      ['j-1', 4, 'agent-a'],
      ['j-1', 5, 'agent-b'],
      ['j-2', 0, null],
    ];
    for (const [job, seq, agent] of rows) {
      await sql(
        `INSERT INTO "${schema}".status_history (job_id, seq, status_id, name, created_by_id, agent_id)
         VALUES ($1, $2, $3, 'Running', 'u-1', $4)`,
        [job, seq, `s-${job}-${seq}`, agent],
      );
    }
    expect(await stores.open(schema).migrate()).toBe(latestPostgresSchemaVersion);
    expect(
      await sql(`SELECT job_id, seq, agent_id FROM "${schema}".job_agents ORDER BY job_id, seq`),
    ).toEqual([
      { job_id: 'j-1', seq: 0, agent_id: 'agent-b' },
      { job_id: 'j-1', seq: 1, agent_id: 'agent-a' },
    ]);
    expect(await sql(`SELECT to_regclass($1) AS t`, [`"${schema}".status_history`])).toEqual([{ t: null }]);
  });

  it('connects lazily: opening an unreachable server succeeds, the first call says why it failed', async () => {
    const store = postgresEventStore({ url: 'postgres://nobody@127.0.0.1:1/none', schema: 'jl_unreachable' });
    const result = await store.append('x', [{ type: 'A', data: {} }], { expected: 'any' })();
    expect(result).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
    if (E.isLeft(result))
      expect(result.left.message).toMatch(/^postgres:\/\/nobody@127\.0\.0\.1:1\/none.*cannot open/);
    await store.close();
  });

  it('after close every call fails with a StoreError, and closing again is harmless', async () => {
    const store = stores.open(freshSchema('closed'));
    await store.append('x', [{ type: 'A', data: {} }], { expected: 'no-stream' })();
    await store.close();
    await store.close();
    expect(await store.append('x', [{ type: 'A', data: {} }], { expected: 'any' })()).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'StoreError', message: expect.stringMatching(/is closed; open it again/) },
    });
    expect(await store.execute!('x', () => E.right([]))()).toMatchObject({ left: { _tag: 'StoreError' } });
    await expect(store.readAll()[Symbol.asyncIterator]().next()).rejects.toThrow(/is closed/);
    await expect(store.readModel.getJob('j')).rejects.toThrow(/is closed/);
  });
});
