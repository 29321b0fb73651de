import fc from 'fast-check';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { decodeJobState } from '../../../src/adapters/sqlite/jobStateJson.js';
import { actorOf } from '../../../src/domain/principal.js';
import { jobStreamId } from '../../../src/domain/storedEvent.js';
import type { JobListQuery } from '../../../src/projections/jobListProjection.js';
import { jobScenarioArb, runScenario } from '../../../src/testing/arbitraries.js';
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
    const query: JobListQuery = { page: 1, size: 100, archiveStatus: 'all', sort: '-created' };
    const system = { kind: 'system', id: 'system' } as const;
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
              const fresh = text === undefined ? undefined : decodeJobState(text);
              for (const store of [a, b]) {
                expect(await store.readModel.getJob(jobId)).toEqual(fresh);
                const listed = (await store.readModel.listJobs(query, system)).items.find(
                  (j) => j.id === jobId,
                );
                expect(listed).toEqual(fresh?.job ?? undefined);
              }
            };
            await check();
            const writers = which[Symbol.iterator]();
            for (const [version, r] of events.entries()) {
              const store = writers.next().value ? a : b;
              const appended = await store.append(
                jobStreamId(jobId),
                [
                  {
                    type: r.event.type,
                    data: r.event.data,
                    metadata: { recordedAt: r.at.toISOString(), actor: actorOf(r.by) },
                  },
                ],
                { expected: version === 0 ? 'no-stream' : version - 1 },
              )();
              expect(appended._tag).toBe('Right');
              await check();
            }
          },
        ),
        { numRuns: 10 },
      );
    } finally {
      await raw.end();
    }
  });
});
