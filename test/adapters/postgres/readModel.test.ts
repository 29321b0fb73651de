import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import type { PostgresEventStore } from '../../../src/adapters/postgres/postgresEventStore.js';
import type { Principal } from '../../../src/domain/principal.js';
import type { JobListQuery } from '../../../src/projections/jobListProjection.js';
import type { ProjectionProgress, ReadModelStore } from '../../../src/projections/ReadModelStore.js';
import { jobScenario, playScenario, scenarioStart } from '../sqlite/jobScenario.js';
import { describePg, freshSchema, pgStores, pgUrl, sql } from './pgTestServer.js';
import { collect } from './results.js';

const viewers: Principal[] = [
  { kind: 'system', id: 'system' },
  { kind: 'user', id: 'u-alice', tenantId: 't1' },
  { kind: 'user', id: 'u-bob', tenantId: 't1', email: 'Bob@example.com' },
  { kind: 'user', id: 'u-dave', tenantId: 't1', email: 'DAVE@example.com' },
  { kind: 'user', id: 'u-carol', tenantId: 't2' },
  { kind: 'user', id: 'u-admin', tenantId: 't2', roles: ['administrator'] },
  { kind: 'agent', id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] },
  { kind: 'agent', id: 'agent-8', tenantId: 't1' },
  { kind: 'agent', id: 'agent-9', tenantId: 't2', poolIds: ['pool-b'] },
  { kind: 'agent', id: 'agent-5', tenantId: 't1' },
];

/** Every filter alone, in both orders and several page shapes. */
const queries = (): JobListQuery[] => {
  const base: JobListQuery = { page: 1, size: 8, archiveStatus: 'all', sort: '-created' };
  const filters: Partial<JobListQuery>[] = [
    {},
    { archiveStatus: 'active' },
    { archiveStatus: 'archived' },
    { status: 'Pending' },
    { status: 'Running' },
    { agentId: 'agent-7' },
    { assignedAgentId: 'agent-8' },
    { assignedAgentPoolId: 'pool-b' },
    { modelId: 'm-1' },
    { createdById: 'u-bob' },
    { functionId: 'fn-1' },
    {
      createdAfter: new Date(scenarioStart.getTime() + 4 * 60_000),
      createdBefore: new Date(scenarioStart.getTime() + 11 * 60_000),
    },
  ];
  const shapes: Partial<JobListQuery>[] = [{}, { sort: 'created' }, { page: 3, size: 3 }, { page: 40 }];
  return filters.flatMap((f) => shapes.map((s) => ({ ...base, ...f, ...s })));
};

describePg('the Postgres read model', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  describe('answers like the memory read model', () => {
    const schema = freshSchema('readmodel');
    const memory = memoryEventStore();
    let store: PostgresEventStore;
    const appends = jobScenario(60, 21);

    beforeAll(async () => {
      store = stores.open(schema);
      await playScenario(memory, appends);
      await playScenario(store, appends);
    });

    it('holds the same jobs, rows and states; its checkpoint is the end of the log', async () => {
      const expected = await memory.readModel.dump();
      expect(expected.jobs.length).toBe(60);
      const dump = await store.readModel.dump();
      expect(dump.jobs).toEqual(expected.jobs);
      const log = await collect(store.readAll());
      expect(dump.checkpoint).toBe(log[log.length - 1]!.position);
      for (const { row } of expected.jobs) {
        const state = await store.readModel.getJob(row.jobId);
        expect(state).toEqual(await memory.readModel.getJob(row.jobId));
        expect(state!.job!.created).toBeInstanceOf(Date);
      }
      expect(await store.readModel.getJob('nope')).toBeUndefined();
    });

    it('lists the same pages for every viewer and query', async () => {
      for (const viewer of viewers) {
        for (const query of queries()) {
          expect(
            await store.readModel.listJobs(query, viewer),
            `${viewer.id} ${JSON.stringify(query)}`,
          ).toEqual(await memory.readModel.listJobs(query, viewer));
        }
      }
    });

    it('walks the same keyset pages in both orders', async () => {
      const walk = async (model: ReadModelStore, viewer: Principal, sort: JobListQuery['sort']) => {
        const pages: string[][] = [];
        let query: JobListQuery = { page: 1, size: 7, archiveStatus: 'all', sort };
        for (;;) {
          const page = await model.listJobs(query, viewer);
          pages.push(page.items.map((j) => j.id));
          if (page.nextCursor === null) return pages;
          const [created, id] = JSON.parse(Buffer.from(page.nextCursor, 'base64url').toString()) as string[];
          query = { ...query, cursor: { created: created!, id: id!, sort } };
        }
      };
      for (const viewer of viewers) {
        for (const sort of ['created', '-created'] as const) {
          expect(await walk(store.readModel, viewer, sort), `${viewer.id} ${sort}`).toEqual(
            await walk(memory.readModel, viewer, sort),
          );
        }
      }
    });

    it('offers the same claim candidates, oldest first, and finds the same expired leases', async () => {
      const agents = [
        { id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] },
        { id: 'agent-8', tenantId: 't1' },
        { id: 'agent-9', tenantId: 't2', poolIds: ['pool-b', 'pool-a'] },
      ];
      for (const agent of agents) {
        for (const functionIds of [undefined, [], ['fn-2'], ['fn-1', 'fn-2']]) {
          // A store object of its own for each question: an object offers the job it just offered to one agent
          // last to the next (see claimOffers), and nobody claims here.
          const fresh = stores.open(schema, { poolSize: 1 });
          expect(await fresh.readModel.claimCandidates(agent, functionIds, 50)).toEqual(
            await memory.readModel.claimCandidates(agent, functionIds, 50),
          );
          await fresh.close();
        }
      }
      for (const minutes of [0, 12, 15, 30, 90]) {
        const now = new Date(scenarioStart.getTime() + minutes * 60_000);
        expect([...(await store.readModel.expiredLeases(now, 1000))].sort(), `${minutes} min`).toEqual(
          [...(await memory.readModel.expiredLeases(now, 1000))].sort(),
        );
      }
    });
  });

  it('spreads agents asking together over the queue: a job just offered, or being written, comes last', async () => {
    const schema = freshSchema('candidates');
    const store = stores.open(schema);
    const agent = { id: 'agent-8', tenantId: 't1' };
    await playScenario(store, jobScenario(30, 5));
    const oldestFirst = await stores
      .open(schema, { poolSize: 1 })
      .readModel.claimCandidates(agent, undefined, 4);
    expect(oldestFirst.length).toBeGreaterThan(2);
    const [first, second] = oldestFirst;
    // Two agents of one store object ask before either claimed: they are offered different jobs first.
    expect(await store.readModel.claimCandidates(agent, undefined, 4)).toEqual(oldestFirst);
    expect((await store.readModel.claimCandidates(agent, undefined, 4))[0]).toBe(second);
    // Another instance is writing the oldest job (it holds the stream): others are offered it last.
    const holder = new pg.Client({ connectionString: pgUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM "${schema}".lock_stream($1, -1)`, [`job-${first}`]);
      const elsewhere = stores.open(schema, { poolSize: 1 });
      const offered = await elsewhere.readModel.claimCandidates(agent, undefined, 4);
      expect(offered[0]).toBe(second);
      expect(offered[offered.length - 1]).toBe(first);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  describe('rebuild', () => {
    it('rebuilds exactly the incrementally maintained read model, in batches', async () => {
      const store = stores.open(freshSchema('rebuild'), { rebuildBatchSize: 40 });
      const appends = jobScenario(40, 11);
      await playScenario(store, appends);
      const incremental = await store.readModel.dump();
      const seen: ProjectionProgress[] = [];
      const result = await store.rebuildReadModel((p) => seen.push(p));
      expect(await store.readModel.dump()).toEqual(incremental);
      expect(result).toEqual({
        events: appends.reduce((n, a) => n + a.events.length, 0),
        position: incremental.checkpoint,
      });
      expect(seen.length).toBeGreaterThan(3);
      expect(seen.map((p) => p.events)).toEqual([...seen.map((p) => p.events)].sort((a, b) => a - b));
    });

    it('resumes an interrupted rebuild where it stopped, with appends made meanwhile', async () => {
      const schema = freshSchema('resume');
      const store = stores.open(schema, { rebuildBatchSize: 30 });
      const appends = jobScenario(40, 12);
      const half = Math.floor(appends.length / 2);
      await playScenario(store, appends.slice(0, half));
      // Damage the read model so that only a real rebuild brings it back.
      await store.readModel.reset();
      expect(await store.readModel.dump()).toEqual({ checkpoint: null, jobs: [] });
      const before: ProjectionProgress[] = [];
      await expect(
        store.rebuildReadModel((p) => {
          before.push(p);
          if (before.length === 2) throw new Error('interrupted');
        }),
      ).rejects.toThrow('interrupted');
      expect(await sql(`SELECT events::int AS events FROM "${schema}".rebuild`)).toEqual([
        { events: before[1]!.events },
      ]);
      await playScenario(store, appends.slice(half));

      const other = stores.open(schema, { rebuildBatchSize: 30 });
      const resumed: ProjectionProgress[] = [];
      await other.rebuildReadModel((p) => resumed.push(p));
      expect(resumed[0]!.events).toBeGreaterThan(before[1]!.events);
      const memory = memoryEventStore();
      await playScenario(memory, appends);
      expect((await other.readModel.dump()).jobs).toEqual((await memory.readModel.dump()).jobs);
      expect(await sql(`SELECT * FROM "${schema}".rebuild`)).toEqual([]);
    });

    it('rebuilds an empty log to an empty read model', async () => {
      const store = stores.open(freshSchema('empty'));
      expect(await store.rebuildReadModel()).toEqual({ events: 0, position: null });
      expect(await store.readModel.dump()).toEqual({ checkpoint: null, jobs: [] });
    });
  });

  it('apply after reset feeds the read model; feeding the log twice changes nothing', async () => {
    const schema = freshSchema('apply');
    const store = stores.open(schema);
    const appends = jobScenario(20, 3);
    await playScenario(store, appends);
    const memory = memoryEventStore();
    await playScenario(memory, appends);
    const log = await collect(store.readAll());
    await store.readModel.reset();
    await store.readModel.apply(log.slice(0, 30));
    await store.readModel.apply(log);
    await store.readModel.apply(log.slice(10, 40));
    expect(await store.readModel.checkpoint()).toBe(log[log.length - 1]!.position);
    expect((await store.readModel.dump()).jobs).toEqual((await memory.readModel.dump()).jobs);
  });

  it('an append on a job whose projection was damaged writes it whole again', async () => {
    const schema = freshSchema('heal');
    const store = stores.open(schema);
    const memory = memoryEventStore();
    const appends = jobScenario(6, 9);
    await playScenario(store, appends);
    await playScenario(memory, appends);
    const { jobs } = await memory.readModel.dump();
    const agentsOf = (statuses: readonly { agentId: string | null }[]): string[] => [
      ...new Set(statuses.flatMap((h) => (h.agentId === null ? [] : [h.agentId]))),
    ];
    const job = jobs.find(
      (j) => j.row.status !== 'Completed' && agentsOf(j.state.job!.statusHistory).length > 0,
    )!;
    expect(job).toBeDefined();
    await sql(`DELETE FROM "${schema}".job_agents WHERE job_id = $1`, [job.row.jobId]);
    await sql(`UPDATE "${schema}".jobs SET version = version - 1 WHERE job_id = $1`, [job.row.jobId]);
    const comment = [
      {
        type: 'JobCommentAdded',
        data: { commentId: 'c-heal', content: 'after the damage' },
        metadata: { recordedAt: '2026-03-02T00:00:00.000Z' },
      },
    ];
    for (const s of [store, memory]) {
      const r = await s.append(`job-${job.row.jobId}`, comment, { expected: job.row.version })();
      expect(E.isRight(r)).toBe(true);
    }
    expect((await store.readModel.dump()).jobs).toEqual((await memory.readModel.dump()).jobs);
    // The agents that reported on the job are back, each once, in the order they first did.
    const agents = await sql<{ agent_id: string }>(
      `SELECT agent_id FROM "${schema}".job_agents WHERE job_id = $1 ORDER BY seq`,
      [job.row.jobId],
    );
    expect(agents.map((a) => a.agent_id)).toEqual(agentsOf(job.state.job!.statusHistory));
  });
});
