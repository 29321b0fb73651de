import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createWorker } from '../../../src/app/worker/createWorker.js';
import { createTestLedger } from '../../../src/testing/testLedger.js';

const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' } as const;
const agent = { kind: 'agent', id: 'agent-1', tenantId: 't1' } as const;
const leaseMs = 30_000;
const must = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

/** Moves virtual time in steps until `done()` holds (bounded), letting real promises settle between steps. */
const advanceUntil = async (t: ReturnType<typeof createTestLedger>, stepMs: number, done: () => boolean) => {
  for (let step = 0; step < 200 && !done(); step++) {
    await t.clock.advance(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(done()).toBe(true);
};

describe('createWorker on createTestLedger’s virtual clock (no real timers for work, heartbeats or grace)', () => {
  it('a handler that works for ten virtual minutes heartbeats through it and completes; stop() resolves on virtual grace', async () => {
    const t = createTestLedger({ clock: 'virtual', leaseMs });
    const job = must(await t.as(alice).createJob({ function: { id: 'fn' }, file: { name: 'p.json' } })());
    const worker = createWorker({
      session: t.as(agent),
      leaseMs,
      clock: t.clock,
      handler: async (_job, ctx) => {
        await t.clock.sleep(10 * 60_000, ctx.signal);
        return { message: 'ten minutes of work' };
      },
    });
    const completed: string[] = [];
    worker.on('completed', (j) => completed.push(j.id));
    worker.start();
    await advanceUntil(t, 5_000, () => completed.length === 1);
    expect(completed).toEqual([job.id]);
    // Ten minutes on a 30 s lease: only the heartbeats kept it; none of them is in the history.
    const done = must(await t.as(alice).getJob(job.id)());
    expect(done.statusHistory.at(-1)!.name).toBe('Completed');
    expect(await t.expireLeases()).toEqual([]);
    const stopped = worker.stop();
    await advanceUntil(t, 1_000, () => worker.stats().state === 'stopped');
    await stopped;
    await t.close();
  });

  it('a handler that never returns is cut off at the virtual shutdown grace; its Running job is left to lease expiry', async () => {
    const t = createTestLedger({ clock: 'virtual', leaseMs });
    const job = must(await t.as(alice).createJob({ function: { id: 'fn' }, file: { name: 'p.json' } })());
    const worker = createWorker({
      session: t.as(agent),
      leaseMs,
      clock: t.clock,
      shutdownGraceMs: 60_000,
      abortedHandlerWaitMs: 1_000,
      handler: () => new Promise(() => {}),
    });
    const claimed: string[] = [];
    worker.on('claimed', (j) => claimed.push(j.id));
    worker.start();
    await advanceUntil(t, 1_000, () => claimed.length === 1);
    await new Promise((resolve) => setImmediate(resolve));
    let stopped = false;
    void worker.stop().then(() => (stopped = true));
    await t.clock.advance(30_000);
    expect(stopped).toBe(false); // still inside the grace
    await advanceUntil(t, 10_000, () => stopped);
    expect(must(await t.as(alice).getJob(job.id)()).statusHistory.at(-1)!.name).toBe('Running');
    await t.clock.advance(leaseMs + 1);
    expect(await t.expireLeases()).toHaveLength(1);
    expect(must(await t.as(alice).getJob(job.id)()).statusHistory.at(-1)!.name).toBe('Unknown');
    await t.close();
  });
});
