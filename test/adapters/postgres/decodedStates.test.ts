import fc from 'fast-check';
import pg from 'pg';
import { afterAll, it } from 'vitest';
import { jobScenarioArb, runScenario } from '../../../src/testing/arbitraries.js';
import { appendTakingTurns } from '../../support/appendTakingTurns.js';
import { expectReadsFresh } from '../../support/readsFresh.js';
import { describePg, freshSchema, pgStores, pgUrl } from './pgTestServer.js';

describePg('the Postgres read model keeps decoded states and is never stale', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('answers what the rows hold after changes by another instance on the same schema', async () => {
    const schema = freshSchema('decoded_states');
    const a = stores.open(schema);
    const b = stores.open(schema);
    const raw = new pg.Client({ connectionString: pgUrl });
    await raw.connect();
    let n = 0;
    // The schema is made on first use.
    await a.readModel.checkpoint();
    await b.readModel.checkpoint();
    try {
      await fc.assert(
        fc.asyncProperty(
          jobScenarioArb('job', 8),
          fc.infiniteStream(fc.boolean()),
          async (scenario, which) => {
            const jobId = `job-${n++}`;
            const { events } = runScenario({ ...scenario, create: { ...scenario.create, jobId } as never });
            const check = async () => {
              const r = await raw.query<{ state: string }>(
                `SELECT state::text AS state FROM "${schema}".jobs WHERE job_id = $1`,
                [jobId],
              );
              const text = r.rows[0]?.state;
              await expectReadsFresh([a.readModel, b.readModel], jobId, text);
            };
            await appendTakingTurns(jobId, events, { first: a, second: b }, which, check);
          },
        ),
        { numRuns: 10 },
      );
    } finally {
      await raw.end();
    }
  });
});
