import { fc, it as fcIt } from '@fast-check/vitest';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { claimCandidateQueries } from '../../../src/adapters/postgres/claimCandidateQueries.js';
import { postgresNames } from '../../../src/adapters/postgres/migrations.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { describePg, freshSchema, pgStores, pgUrl } from './pgTestServer.js';
import { right } from './results.js';

describePg('claim candidates asked together share one query', () => {
  const stores = pgStores();
  const schema = freshSchema('candidates');
  const store = stores.open(schema);
  const ledger = createJobLedger({ store });
  const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
  const queries = claimCandidateQueries(pool, postgresNames(schema));
  afterAll(async () => {
    await pool.end();
    await stores.cleanup();
  });
  let tenants = 0;

  const agentIds = ['a-0', 'a-1', 'a-2'];
  const pools = ['p-0', 'p-1'];
  fcIt.prop(
    [
      fc.array(
        fc.record({
          assigned: fc.constantFrom(null, null, ...agentIds),
          pool: fc.constantFrom(null, null, ...pools),
          fn: fc.integer({ min: 0, max: 1 }),
        }),
        { maxLength: 60 },
      ),
      fc.array(
        fc.record({
          id: fc.constantFrom(...agentIds),
          poolIds: fc.subarray(pools),
          limit: fc.integer({ min: 1, max: 8 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      fc.option(fc.constantFrom(['fn-0'], ['fn-0', 'fn-1']), { nil: undefined }),
    ],
    { numRuns: 15 },
  )('each agent gets what its own query gives', async (jobs, asks, functionIds) => {
    await store.migrate();
    const tenantId = `t-${tenants++}`;
    const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId });
    for (const [i, j] of jobs.entries()) {
      right(
        await alice.createJob({
          function: { id: `fn-${j.fn}` },
          file: { name: `p-${i}.json` },
          ...(j.assigned !== null && { assignedAgentId: j.assigned }),
          ...(j.pool !== null && { assignedAgentPoolId: j.pool }),
        })(),
      );
    }
    const agents = asks.map((a) => ({ id: a.id, tenantId, poolIds: a.poolIds }));
    const alone = [];
    for (const [i, a] of asks.entries())
      alone.push(await queries.candidates(agents[i]!, functionIds, a.limit));
    const together = await Promise.all(
      asks.map((a, i) => queries.candidates(agents[i]!, functionIds, a.limit)),
    );
    expect(together).toEqual(alone);
  });

  it("an agent the shared window cannot answer for gets a query of its own (another agent's jobs fill it)", async () => {
    await store.migrate();
    const tenantId = `t-${tenants++}`;
    const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId });
    for (let i = 0; i < 30; i++)
      right(
        await alice.createJob({
          function: { id: 'fn-0' },
          file: { name: 'a.json' },
          assignedAgentId: 'a-1',
        })(),
      );
    const open = right(await alice.createJob({ function: { id: 'fn-0' }, file: { name: 'b.json' } })());
    const [first, second] = await Promise.all([
      queries.candidates({ id: 'a-0', tenantId }, undefined, 1),
      queries.candidates({ id: 'a-1', tenantId }, undefined, 1),
    ]);
    expect(first).toEqual({ ids: [open.id], unlocked: 1 });
    expect(second!.ids).toHaveLength(1);
  });
});
