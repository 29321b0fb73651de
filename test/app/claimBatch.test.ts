import { fc, it as fcIt } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/model.js';
import { err, ok, smallJob, statuses, testLedger } from './support.js';

/** One job of a generated queue: its function, pool, assigned agent, and whether it is a draft (not claimable). */
const jobSpec = fc.record({
  fn: fc.integer({ min: 0, max: 2 }),
  pool: fc.constantFrom(undefined, 'pool-a', 'pool-b'),
  assigned: fc.constantFrom(undefined, undefined, 'agent-7', 'agent-8'),
  draft: fc.boolean(),
});

type JobSpec = typeof jobSpec extends fc.Arbitrary<infer T> ? T : never;

const seeded = async (specs: readonly JobSpec[]) => {
  const t = testLedger();
  for (const [i, s] of specs.entries()) {
    await ok(
      t.alice.createJob({
        function: { id: `fn-${s.fn}` },
        file: { name: `p-${i}.json` },
        ...(s.pool !== undefined && { assignedAgentPoolId: s.pool }),
        ...(s.assigned !== undefined && { assignedAgentId: s.assigned }),
        draft: s.draft,
      }),
    );
  }
  return t;
};

/** What a reader of the jobs sees after the claims: each job's status and holder. */
const queueOf = async (t: ReturnType<typeof testLedger>) =>
  (await ok(t.ledger.system.listJobs({ size: 100, archiveStatus: 'all' }))).items
    .map((j) => [j.id, statuses(j).at(-1), j.agentId])
    .sort();

const claimedOf = (jobs: readonly Job[]) => jobs.map((j) => [j.id, j.agentId, statuses(j).at(-1)]);

describe('getJobForAgent({ max }): a batch of claims', () => {
  fcIt.prop(
    [
      fc.array(jobSpec, { maxLength: 25 }),
      fc.integer({ min: 1, max: 12 }),
      fc.option(fc.subarray(['fn-0', 'fn-1', 'fn-2'], { minLength: 1 }), { nil: undefined }),
    ],
    { numRuns: 60 },
  )(
    'claims the same jobs, in the same order, as that many single claims',
    async (specs, max, functionIds) => {
      const batched = await seeded(specs);
      const single = await seeded(specs);
      const input = functionIds === undefined ? {} : { functionIds };

      const batch = await ok(batched.agent.getJobForAgent({ ...input, max }));
      const one: Job[] = [];
      while (one.length < max) {
        const next = await ok(single.agent.getJobForAgent(input));
        if (!('id' in next)) break;
        one.push(next);
      }

      expect(claimedOf(batch)).toEqual(claimedOf(one));
      expect(batch.every((j) => j.agentId === 'agent-7' && statuses(j).at(-1) === 'Claimed')).toBe(true);
      expect(await queueOf(batched)).toEqual(await queueOf(single));
    },
  );

  it('answers an empty array when nothing is eligible, and every job once across agents', async () => {
    const t = testLedger();
    expect(await ok(t.agent.getJobForAgent({ max: 5 }))).toEqual([]);
    for (let i = 0; i < 7; i++) await ok(t.alice.createJob(smallJob));
    const [a, b] = await Promise.all([
      ok(t.agent.getJobForAgent({ max: 5 })),
      ok(t.agent2.getJobForAgent({ max: 5 })),
    ]);
    const ids = [...a, ...b].map((j) => j.id);
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    expect(await ok(t.agent.getJobForAgent({ max: 5 }))).toEqual([]);
  });

  it('refuses a max outside 1..100 and a user principal', async () => {
    const t = testLedger();
    for (const max of [0, 101, 1.5]) {
      expect(await err(t.agent.getJobForAgent({ max }))).toMatchObject({ _tag: 'ValidationError' });
    }
    expect(await err(t.alice.getJobForAgent({ max: 2 }))).toMatchObject({ _tag: 'Forbidden' });
  });

  it('with waitMs, waits for work and answers what came', async () => {
    const t = testLedger();
    const waiting = t.agent.getJobForAgent({ max: 3, waitMs: 5000 })();
    const job = await ok(t.alice.createJob(smallJob));
    const answer = await waiting;
    expect(E.isRight(answer) && answer.right.map((j) => j.id)).toEqual([job.id]);
    const controller = new AbortController();
    const aborted = t.agent.getJobForAgent({ max: 3, waitMs: 5000, signal: controller.signal })();
    controller.abort();
    expect(await aborted).toEqual(E.right([]));
  });
});
