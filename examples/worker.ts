// The README's "Workers" example, run by test/examples.test.ts against a temporary SQLite file.
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger, createWorker, openStore } from 'jobledger';

export const workerExample = async (storeUrl = 'sqlite:./jobledger.db') => {
  const ledger = createJobLedger({ store: openStore(storeUrl) });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const agent = ledger.as({ kind: 'agent', id: 'agent-7', tenantId: 't1' }); // or a remote client

  const worker = createWorker({
    session: agent,
    concurrency: 4,
    handler: async (job, ctx) => {
      const params = await agent.readJson(job.id)(); // the job's parameters file
      if (E.isLeft(params)) throw new Error(params.left.message);
      // ctx.signal aborts when the job is canceled, its lease is lost, or stop() runs past its grace.
      const { threshold } = params.right as { threshold: number };
      await ctx.uploadResult(JSON.stringify({ score: threshold * 2 }), { name: 'result.json' });
      return { message: 'scored' }; // Completed; a throw would be Failed with the error's message
    },
  });
  worker.on('failed', (job, message) => console.error(`job ${job.id} failed: ${message}`));
  worker.start(); // claims as jobs appear: woken by the ledger, no polling

  const created = await alice.createJob({
    function: { id: 'fn-1' },
    file: { name: 'params.json', content: '{"threshold":0.5}' },
  })();
  if (E.isLeft(created)) throw new Error(created.left.message);
  const status = await alice.pollJob(created.right.id, { timeoutMs: 5_000 })(); // Right('Completed')
  const result = await alice.readJson(created.right.id)(); // Right({ score: 1 })

  await worker.stop(); // stops claiming, lets running handlers finish (shutdownGraceMs, default 30 s)
  await ledger.close()();
  return { status, result };
};
