import { fc, it as fcIt } from '@fast-check/vitest';
import { afterAll, expect, it } from 'vitest';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import type { Job } from '../../../src/domain/model.js';
import { describePg, freshSchema, pgStores } from './pgTestServer.js';
import { right } from './results.js';

describePg('getJobForAgent({ max }) on Postgres', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());
  const store = stores.open(freshSchema('batch'));
  // Jobs made in the same millisecond are claimed in job-id order (random): a clock that ticks on every reading
  // gives each job its own created time, so "the oldest" is the order the test made them in.
  let tick = Date.now();
  const ledger = createJobLedger({ store, clock: () => new Date(tick++) });
  let tenants = 0;

  /** A tenant of its own (its own queue) holding jobs of `specs`' functions; `draft` ones are not claimable. */
  const seeded = async (specs: readonly { fn: number; draft: boolean; pool: string | undefined }[]) => {
    const tenantId = `t-${tenants++}`;
    const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId });
    for (const [i, s] of specs.entries()) {
      right(
        await alice.createJob({
          function: { id: `fn-${s.fn}` },
          file: { name: `p-${i}.json` },
          draft: s.draft,
          ...(s.pool !== undefined && { assignedAgentPoolId: s.pool }),
        })(),
      );
    }
    return ledger.as({ kind: 'agent', id: 'agent-1', tenantId, poolIds: ['pool-a'] });
  };

  const claimedOf = (jobs: readonly Job[]) =>
    jobs.map((j) => [j.file.name, j.agentId, j.statusHistory.at(-1)!.name]);

  fcIt.prop(
    [
      fc.array(
        fc.record({
          fn: fc.integer({ min: 0, max: 2 }),
          draft: fc.boolean(),
          pool: fc.constantFrom(undefined, 'pool-a', 'pool-b'),
        }),
        { maxLength: 16 },
      ),
      fc.integer({ min: 1, max: 10 }),
      fc.option(fc.subarray(['fn-0', 'fn-1', 'fn-2'], { minLength: 1 }), { nil: undefined }),
    ],
    { numRuns: 12 },
  )(
    'claims the same jobs, in the same order, as that many single claims',
    async (specs, max, functionIds) => {
      const batchAgent = await seeded(specs);
      const singleAgent = await seeded(specs);
      const input = functionIds === undefined ? {} : { functionIds };
      const batch = right(await batchAgent.getJobForAgent({ ...input, max })());
      const single: Job[] = [];
      while (single.length < max) {
        const next = right(await singleAgent.getJobForAgent(input)());
        if (!('id' in next)) break;
        single.push(next);
      }
      expect(claimedOf(batch)).toEqual(claimedOf(single));
    },
  );

  it('ten claims of known jobs are one candidate query and one transaction', async () => {
    const agent = await seeded(Array.from({ length: 12 }, () => ({ fn: 1, draft: false, pool: undefined })));
    const before = store.stats();
    const jobs = right(await agent.getJobForAgent({ max: 10 })());
    const after = store.stats();
    expect(jobs.map((j) => j.file.name)).toEqual(Array.from({ length: 10 }, (_, i) => `p-${i}.json`));
    expect(after.commands - before.commands).toBe(10);
    expect(after.transactions - before.transactions).toBe(1);
  });

  it('4 instances with 2 agents each claim batches of 10 from 200 jobs: each job exactly once', async () => {
    const schema = freshSchema('batch_race');
    const ledgers = Array.from({ length: 4 }, (_, i) =>
      createJobLedger({
        store: stores.open(schema, { poolSize: 3, optimisticAttempts: i % 2 === 0 ? 3 : 0 }),
      }),
    );
    const total = 200;
    await Promise.all(
      ledgers.map(async (l, i) => {
        const alice = l.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
        for (let k = i; k < total; k += ledgers.length) {
          right(await alice.createJob({ function: { id: 'fn-1' }, file: { name: `p-${k}.json` } })());
        }
      }),
    );
    const claimedBy = new Map<string, string[]>();
    let idle = 0;
    await Promise.all(
      ledgers.flatMap((l, i) =>
        [0, 1].map(async (a) => {
          const agentId = `agent-${i}-${a}`;
          const agent = l.as({ kind: 'agent', id: agentId, tenantId: 't1' });
          // Until the queue is empty for this agent twice in a row (others may hold candidates meanwhile).
          for (let empty = 0; empty < 2;) {
            const jobs = right(await agent.getJobForAgent({ max: 10 })());
            if (jobs.length === 0) {
              empty++;
              idle++;
              await new Promise((resolve) => setTimeout(resolve, 20));
              continue;
            }
            empty = 0;
            for (const job of jobs) {
              expect(job.agentId).toBe(agentId);
              claimedBy.set(job.id, [...(claimedBy.get(job.id) ?? []), agentId]);
            }
          }
        }),
      ),
    );
    expect(idle).toBeGreaterThan(0);
    expect(claimedBy.size).toBe(total);
    expect([...claimedBy.values()].filter((agents) => agents.length !== 1)).toEqual([]);
    const page = right(await ledgers[0]!.system.listJobs({ size: 1, status: 'Claimed' })());
    expect(page.total).toBe(total);
    expect(right(await ledgers[1]!.verify()())).toMatchObject({ ok: true, problems: [] });
  }, 60_000);
});
