import { afterAll, expect, it } from 'vitest';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { createWorker } from '../../../src/app/worker/createWorker.js';
import type { Worker } from '../../../src/app/worker/workerTypes.js';
import { describePg, freshSchema, pgStores } from '../../adapters/postgres/pgTestServer.js';
import { ok } from '../support.js';
import { next, smallJob } from './workerSupport.js';

describePg('createWorker on Postgres, two ledger instances', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('a worker waiting on instance A is woken by a job created on instance B (a notification, not its poll)', async () => {
    const schema = freshSchema('worker_wake');
    // A's subscribers poll once a minute: a claim well under that was woken by B's notification.
    const a = createJobLedger({ store: stores.open(schema, { pollIntervalMs: 60_000 }) });
    const b = createJobLedger({ store: stores.open(schema) });
    const worker = createWorker({
      session: a.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' }),
      claimWaitMs: 60_000,
      handler: async () => {},
    }).start();
    try {
      // The first claim found nothing and the worker is waiting on the feed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const created = Date.now();
      const completed = next(worker, 'completed');
      const job = await ok(b.as({ kind: 'user', id: 'u-alice', tenantId: 't1' }).createJob(smallJob));
      const [done] = await completed;
      expect((done as { id: string }).id).toBe(job.id);
      expect(Date.now() - created).toBeLessThan(5_000);
    } finally {
      await worker.stop();
    }
  });

  it('workers on two instances x jobs: each job Completed exactly once, verify ok', async () => {
    const schema = freshSchema('worker_many');
    const ledgers = [0, 1].map(() => createJobLedger({ store: stores.open(schema) }));
    const jobs = 20;
    const alice = ledgers[0]!.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    for (let i = 0; i < jobs; i++) await ok(alice.createJob(smallJob));
    const ran: string[] = [];
    let completed = 0;
    const workers: Worker[] = [];
    await new Promise<void>((resolve) => {
      for (const [i, ledger] of ledgers.entries())
        for (const n of [1, 2]) {
          const worker = createWorker({
            session: ledger.as({ kind: 'agent', id: `agent-${i}-${n}`, tenantId: 't1' }),
            handler: async (job) => void ran.push(job.id),
          });
          worker.on('completed', () => ++completed === jobs && resolve());
          workers.push(worker.start());
        }
    });
    await Promise.all(workers.map((w) => w.stop()));
    expect(ran).toHaveLength(jobs);
    expect(new Set(ran).size).toBe(jobs);
    expect((await ok(ledgers[0]!.verify())).ok).toBe(true);
  });
});
