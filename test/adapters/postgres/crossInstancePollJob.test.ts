import * as E from 'fp-ts/lib/Either.js';
import { afterAll, expect, it } from 'vitest';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import type { Job } from '../../../src/domain/model.js';
import { describePg, freshSchema, pgStores } from './pgTestServer.js';
import { right } from './results.js';

describePg('pollJob across instances', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('a pollJob waiting in instance A resolves within milliseconds when instance B completes the job', async () => {
    const schema = freshSchema('poll');
    // A only learns of B's appends through LISTEN/NOTIFY: its polling is slowed to a minute.
    const a = createJobLedger({ store: stores.open(schema, { pollIntervalMs: 60_000 }) });
    const b = createJobLedger({ store: stores.open(schema) });
    const aliceOnA = a.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    const agentOnB = b.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });

    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const job = right(await aliceOnA.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })());
      const claimed = right(await agentOnB.getJobForAgent()()) as Job;
      expect(claimed.id).toBe(job.id);
      right(await agentOnB.updateStatus(job.id, { status: 'Running' })());

      const polled = aliceOnA.pollJob(job.id, { timeoutMs: 10_000 })();
      // Let the poll look at the job and start listening.
      await new Promise((resolve) => setTimeout(resolve, 300));
      right(await agentOnB.updateStatus(job.id, { status: 'Completed' })());
      const completedAt = Date.now();
      expect(await polled).toEqual(E.right('Completed'));
      latencies.push(Date.now() - completedAt);
    }
    console.info(`pollJob across instances resolved ${latencies.join(', ')} ms after the completion`);
    expect(Math.max(...latencies)).toBeLessThan(250);
  });
});
