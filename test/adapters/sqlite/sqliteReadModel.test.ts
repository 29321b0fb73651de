import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimCandidatesSql } from '../../../src/adapters/sqlite/jobListSql.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { sqliteEventStore, type SqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import type { Principal } from '../../../src/domain/principal.js';
import type { JobListQuery } from '../../../src/projections/jobListProjection.js';
import type { ProjectedEventStore, ReadModelStore } from '../../../src/projections/ReadModelStore.js';
import { jobCountDrift } from './jobCounts.js';
import { jobScenario, playScenario, scenarioStart } from './jobScenario.js';
import { tempDatabases } from './tempDatabase.js';

const viewers: Principal[] = [
  { kind: 'system', id: 'system' },
  { kind: 'user', id: 'u-alice', tenantId: 't1' },
  { kind: 'user', id: 'u-bob', tenantId: 't1', email: 'bob@example.com' },
  { kind: 'user', id: 'u-dave', tenantId: 't1', email: 'dave@EXAMPLE.com' },
  { kind: 'user', id: 'u-carol', tenantId: 't2' },
  { kind: 'user', id: 'u-root', tenantId: 't1', roles: ['administrator'] },
  { kind: 'user', id: 'u-stranger', tenantId: 't3', roles: ['administrator'] },
  { kind: 'agent', id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] },
  { kind: 'agent', id: 'agent-8', tenantId: 't1' },
  { kind: 'agent', id: 'agent-9', tenantId: 't2', poolIds: ['pool-a', 'pool-b'] },
  { kind: 'agent', id: 'agent-5', tenantId: 't1' },
];

const base: JobListQuery = { page: 1, size: 10, archiveStatus: 'active', sort: '-created' };
const queries: JobListQuery[] = [
  base,
  { ...base, sort: 'created' },
  { ...base, page: 2, size: 4 },
  { ...base, page: 50 },
  { ...base, size: 100, archiveStatus: 'all' },
  { ...base, archiveStatus: 'archived', sort: 'created' },
  { ...base, status: 'Pending', archiveStatus: 'all' },
  { ...base, status: 'Completed' },
  { ...base, agentId: 'agent-8', archiveStatus: 'all' },
  { ...base, assignedAgentId: 'agent-7' },
  { ...base, assignedAgentPoolId: 'pool-a', archiveStatus: 'all' },
  { ...base, modelId: 'm-2', size: 3, page: 2 },
  { ...base, createdById: 'u-carol' },
  { ...base, createdById: 'u-bob', status: 'Pending', archiveStatus: 'all' },
  { ...base, createdById: 'u-alice', archiveStatus: 'archived' },
  { ...base, functionId: 'fn-2', sort: 'created' },
  {
    ...base,
    createdAfter: new Date(scenarioStart.getTime() + 3 * 60_000),
    createdBefore: new Date(scenarioStart.getTime() + 9 * 60_000),
    archiveStatus: 'all',
  },
];

describe('the SQLite read model answers like the memory read model', () => {
  const databases = tempDatabases();
  const memory = memoryEventStore();
  let sqlite: SqliteEventStore;
  let sqliteFile: string;

  beforeAll(async () => {
    sqliteFile = databases.file();
    sqlite = sqliteEventStore({ file: sqliteFile });
    const appends = jobScenario(60);
    await playScenario(memory, appends);
    await playScenario(sqlite, appends);
  });
  afterAll(async () => {
    await sqlite.close();
    await memory.close();
    databases.cleanup();
  });

  it('holds the same jobs, rows and checkpoint', async () => {
    const expected = await memory.readModel.dump();
    expect(expected.jobs.length).toBe(60);
    expect(await sqlite.readModel.dump()).toEqual(expected);
  });

  it('keeps the job counts (listing totals) equal to the job rows', () => {
    expect(jobCountDrift(sqliteFile)).toEqual([]);
  });

  it('gives every job the same state, with dates as Dates', async () => {
    for (const { row } of (await memory.readModel.dump()).jobs) {
      const state = await sqlite.readModel.getJob(row.jobId);
      expect(state).toEqual(await memory.readModel.getJob(row.jobId));
      expect(state!.job!.created).toBeInstanceOf(Date);
    }
    expect(await sqlite.readModel.getJob('nope')).toBeUndefined();
  });

  it('lists the same pages for every viewer and query', async () => {
    for (const viewer of viewers) {
      for (const query of queries) {
        const label = `${viewer.id} ${JSON.stringify(query)}`;
        expect(await sqlite.readModel.listJobs(query, viewer), label).toEqual(
          await memory.readModel.listJobs(query, viewer),
        );
      }
    }
  });

  it('walks the same keyset pages in both sort orders', async () => {
    for (const viewer of viewers) {
      for (const sort of ['created', '-created'] as const) {
        const walk = async (model: ReadModelStore) => {
          const pages: string[][] = [];
          let query: JobListQuery = { ...base, size: 7, sort, archiveStatus: 'all' };
          for (;;) {
            const page = await model.listJobs(query, viewer);
            pages.push(page.items.map((j) => j.id));
            if (page.nextCursor === null) return pages;
            const cursor = JSON.parse(Buffer.from(page.nextCursor, 'base64url').toString()) as string[];
            query = { ...query, cursor: { created: cursor[0]!, id: cursor[1]!, sort } };
          }
        };
        const pages = await walk(sqlite.readModel);
        expect(pages, `${viewer.id} ${sort}`).toEqual(await walk(memory.readModel));
        if (viewer.kind === 'system') expect(pages.flat()).toHaveLength(60);
      }
    }
  });

  it('offers the same claim candidates, oldest first', async () => {
    const agents = [
      { id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] },
      { id: 'agent-8', tenantId: 't1' },
      { id: 'agent-9', tenantId: 't2', poolIds: ['pool-b'] },
    ];
    for (const agent of agents) {
      for (const functionIds of [
        undefined,
        [],
        ['fn-2'],
        ['fn-1', 'fn-2'],
        ['fn-none'],
        ['fn-2', 'fn-2', 'fn-none'],
      ]) {
        const expected = await memory.readModel.claimCandidates(agent, functionIds, 50);
        expect(await sqlite.readModel.claimCandidates(agent, functionIds, 50)).toEqual(expected);
      }
    }
    expect(await sqlite.readModel.claimCandidates(agents[1]!, undefined, 2)).toEqual(
      await memory.readModel.claimCandidates(agents[1]!, undefined, 2),
    );
  });

  it('finds the same expired leases', async () => {
    for (const minutes of [0, 10, 15, 30, 60]) {
      const now = new Date(scenarioStart.getTime() + minutes * 60_000);
      const expected = [...(await memory.readModel.expiredLeases(now, 1000))].sort();
      expect([...(await sqlite.readModel.expiredLeases(now, 1000))].sort(), `${minutes} min`).toEqual(
        expected,
      );
    }
  });
});

describe('the SQLite read model as a port', () => {
  const databases = tempDatabases();
  const stores: ProjectedEventStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(() => databases.cleanup());

  it('apply skips what it has seen, so feeding the log twice changes nothing', async () => {
    const memory = memoryEventStore();
    const sqlite = sqliteEventStore({ file: databases.file() });
    stores.push(memory, sqlite);
    await playScenario(memory, jobScenario(20, 3));
    const events = [];
    for await (const e of memory.readAll()) events.push(e);
    await sqlite.readModel.apply(events.slice(0, 30));
    await sqlite.readModel.apply(events);
    await sqlite.readModel.apply(events.slice(10, 40));
    expect(await sqlite.readModel.checkpoint()).toBe(String(events.length));
    expect(await sqlite.readModel.dump()).toEqual(await memory.readModel.dump());
  });

  it('reset forgets everything', async () => {
    const sqlite = sqliteEventStore({ file: databases.file() });
    stores.push(sqlite);
    await playScenario(sqlite, jobScenario(5, 4));
    await sqlite.readModel.reset();
    expect(await sqlite.readModel.dump()).toEqual({ checkpoint: null, jobs: [] });
  });
});

describe('SQLite claims', () => {
  const databases = tempDatabases();
  afterAll(() => databases.cleanup());

  it('walk only Pending jobs of the tenant, however many jobs are finished (the plan names the claimable index)', async () => {
    const file = databases.file();
    const ledger = createJobLedger({ store: sqliteEventStore({ file, synchronous: 'normal' }) });
    const user = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    const agent = { kind: 'agent' as const, id: 'agent-1', tenantId: 't1' };
    const worker = ledger.as(agent);
    const ok = <T>(r: E.Either<{ message: string }, T>): T => {
      if (E.isLeft(r)) throw new Error(r.left.message);
      return r.right;
    };
    // Finished jobs older than every Pending one: a walk in created order would read them all first.
    for (let i = 0; i < 60; i++)
      ok(await user.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })());
    for (let i = 0; i < 60; i++) {
      const job = ok(await worker.getJobForAgent({})());
      if (!('id' in job)) throw new Error('nothing to claim');
      ok(await worker.updateStatus(job.id, { status: 'Running' })());
      ok(await worker.updateStatus(job.id, { status: 'Completed' })());
    }
    const pending: string[] = [];
    for (let i = 0; i < 3; i++)
      pending.push(ok(await user.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })()).id);
    await ledger.close()();

    const db = new Database(file, { readonly: true });
    try {
      for (const functionIds of [undefined, ['fn-1']]) {
        const query = claimCandidatesSql(agent, functionIds, 8);
        const plan = (
          db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.args) as { detail: string }[]
        )
          .map((row) => row.detail)
          .join('; ');
        expect(plan).toMatch(
          functionIds === undefined
            ? /SEARCH j USING INDEX jobs_claimable \(status=\? AND tenant_id=\?\)/
            : /SEARCH j USING INDEX jobs_claimable_by_function \(tenant_id=\? AND function_id=\?\)/,
        );
        // The Pending jobs (their order, oldest first with ties broken by id, is the comparison test's above).
        const found = db
          .prepare(query.sql)
          .pluck()
          .all(...query.args) as string[];
        expect([...found].sort()).toEqual([...pending].sort());
      }
    } finally {
      db.close();
    }
  });
});
