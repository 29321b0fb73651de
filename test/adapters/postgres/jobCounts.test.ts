import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import type { PostgresEventStore } from '../../../src/adapters/postgres/postgresEventStore.js';
import type { JobStatusName } from '../../../src/domain/JobStatusName.js';
import type { Principal } from '../../../src/domain/principal.js';
import type { JobListQuery } from '../../../src/projections/jobListProjection.js';
import type { ReadModelStore } from '../../../src/projections/ReadModelStore.js';
import { jobScenario, playScenario } from '../sqlite/jobScenario.js';
import { tempDatabases } from '../sqlite/tempDatabase.js';
import { describePg, freshSchema, pgStores, pgUrl, sql } from './pgTestServer.js';

const viewers: Principal[] = [
  { kind: 'system', id: 'system' },
  { kind: 'user', id: 'u-alice', tenantId: 't1' },
  { kind: 'user', id: 'u-bob', tenantId: 't1', email: 'Bob@example.com' },
  { kind: 'user', id: 'u-carol', tenantId: 't2' },
  { kind: 'user', id: 'u-admin', tenantId: 't1', roles: ['administrator'] },
  { kind: 'agent', id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] },
];

const statuses: (JobStatusName | undefined)[] = [undefined, 'Pending', 'Completed'];

/** The queries whose totals come from the kept counts (and one that counts rows), in several page shapes. */
const queries = (): JobListQuery[] =>
  statuses.flatMap((status) =>
    (['all', 'active', 'archived'] as const).flatMap((archiveStatus) =>
      [{}, { createdById: 'u-bob' }, { modelId: 'm-1' }].map((extra, i): JobListQuery => ({
        sort: i === 1 ? 'created' : '-created',
        archiveStatus,
        status,
        ...extra,
        ...(i === 0 ? { page: 3, size: 4 } : { page: 1, size: 5 }),
      })),
    ),
  );

/** The kept counts per key, deltas included, and the job rows counted per key: they must agree. */
const countsAndRows = async (schema: string) => {
  const key = `tenant_id || '/' || created_by_id || '/' || status || '/' || archived::text`;
  const kept = await sql<{ k: string; n: string }>(
    `SELECT ${key} AS k, sum(n)::text AS n FROM (
       SELECT * FROM "${schema}".job_counts UNION ALL SELECT * FROM "${schema}".job_count_deltas) c
     GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1`,
  );
  const rows = await sql<{ k: string; n: string }>(
    `SELECT ${key} AS k, count(*)::text AS n FROM "${schema}".jobs GROUP BY 1 ORDER BY 1`,
  );
  return { kept, rows };
};

const expectSameListings = async (model: ReadModelStore, reference: ReadModelStore): Promise<void> => {
  for (const viewer of viewers)
    for (const query of queries())
      expect(await model.listJobs(query, viewer), `${viewer.id} ${JSON.stringify(query)}`).toEqual(
        await reference.listJobs(query, viewer),
      );
};

describePg('kept job counts on Postgres', () => {
  const stores = pgStores();
  const databases = tempDatabases();
  afterAll(async () => {
    await stores.cleanup();
    databases.cleanup();
  });

  const playBoth = async (seed: number, options = {}) => {
    const appends = jobScenario(50, seed);
    const schema = freshSchema(`counts${seed}`);
    const store: PostgresEventStore = stores.open(schema, options);
    const sqlite = sqliteEventStore({ file: databases.file() });
    await playScenario(store, appends);
    await playScenario(sqlite, appends);
    return { schema, store, sqlite };
  };

  it.each([3, 17])(
    'totals and pages equal SQLite and a full count, before and after folding (seed %i)',
    async (seed) => {
      const { schema, store, sqlite } = await playBoth(seed);
      try {
        const before = await countsAndRows(schema);
        expect(before.rows.length).toBeGreaterThan(5);
        expect(before.kept).toEqual(before.rows);
        await expectSameListings(store.readModel, sqlite.readModel);
        // Listing folded the deltas into job_counts; fold again explicitly and nothing changes.
        await sql(`SELECT "${schema}".fold_job_counts()`);
        expect((await sql(`SELECT * FROM "${schema}".job_count_deltas`)).length).toBe(0);
        const after = await countsAndRows(schema);
        expect(after.kept).toEqual(before.rows);
        await expectSameListings(store.readModel, sqlite.readModel);
      } finally {
        await sqlite.close();
      }
    },
  );

  it('stay exact through a reset and a rebuild of the projections', async () => {
    const { schema, store, sqlite } = await playBoth(23, { rebuildBatchSize: 50 });
    try {
      await store.readModel.reset();
      expect((await countsAndRows(schema)).kept).toEqual([]);
      expect(
        (
          await store.readModel.listJobs(
            { page: 1, size: 5, archiveStatus: 'all', sort: 'created' },
            viewers[0]!,
          )
        ).total,
      ).toBe(0);
      await store.rebuildReadModel();
      const { kept, rows } = await countsAndRows(schema);
      expect(rows.length).toBeGreaterThan(5);
      expect(kept).toEqual(rows);
      await expectSameListings(store.readModel, sqlite.readModel);
      // A rebuild over a whole read model rewrites every row: the counts stay the same.
      await store.rebuildReadModel();
      expect((await countsAndRows(schema)).kept).toEqual(rows);
    } finally {
      await sqlite.close();
    }
  });

  it('two open transactions writing jobs of the same creator and status do not wait on each other', async () => {
    const schema = freshSchema('countlocks');
    const store = stores.open(schema);
    await store.migrate();
    const insert = (client: pg.Client, jobId: string) =>
      client.query(
        `INSERT INTO "${schema}".jobs (job_id, tenant_id, status, created, created_by_id, function_id, archived,
           version, state) VALUES ($1, 't1', 'Pending', now(), 'u-alice', 'fn-1', false, 1, '{}'::jsonb)`,
        [jobId],
      );
    const [a, b] = [new pg.Client({ connectionString: pgUrl }), new pg.Client({ connectionString: pgUrl })];
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query('BEGIN');
      await insert(a, 'job-a');
      // A fold inside A's transaction too: it holds the fold's lock and the counter rows it moved into.
      await a.query(`SELECT "${schema}".fold_job_counts()`);
      await b.query(`BEGIN; SET LOCAL lock_timeout = '2s'`);
      await insert(b, 'job-b');
      await b.query(`SELECT "${schema}".fold_job_counts()`);
      await b.query(`UPDATE "${schema}".jobs SET status = 'Running' WHERE job_id = 'job-b'`);
      await b.query('COMMIT');
      await a.query('COMMIT');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    const { kept, rows } = await countsAndRows(schema);
    expect(rows).toEqual([
      { k: 't1/u-alice/Pending/false', n: '1' },
      { k: 't1/u-alice/Running/false', n: '1' },
    ]);
    expect(kept).toEqual(rows);
  });

  it('step 8 counts the jobs a schema already holds when it is brought forward', async () => {
    const { schema, store, sqlite } = await playBoth(29);
    try {
      const { rows } = await countsAndRows(schema);
      await store.close();
      // Back to a version 7 schema: no counts, no triggers.
      await sql(`DROP TABLE "${schema}".job_counts, "${schema}".job_count_deltas;
        DROP FUNCTION "${schema}".count_job_row() CASCADE; DROP FUNCTION "${schema}".fold_job_counts();
        DELETE FROM "${schema}".migrations WHERE version = 8;`);
      const reopened = stores.open(schema);
      expect(await reopened.migrate()).toBe(8);
      expect((await countsAndRows(schema)).kept).toEqual(rows);
      await expectSameListings(reopened.readModel, sqlite.readModel);
    } finally {
      await sqlite.close();
    }
  });
});
