// The README's "In a program" example, run by test/examples.test.ts against a temporary SQLite file.
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger, openStore, JobStatusName } from 'jobledger';

export const quickstart = async (storeUrl = 'sqlite:./jobledger.db') => {
  const ledger = createJobLedger({ store: openStore(storeUrl) }); // or 'memory:'
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const agent = ledger.as({ kind: 'agent', id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] });

  const created = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
  if (E.isLeft(created)) throw new Error(created.left.message);

  const work = await agent.getJobForAgent()(); // claims the oldest eligible Pending job, or a NoJobResponse
  if (E.isRight(work) && 'id' in work.right) {
    await agent.updateStatus(work.right.id, { status: JobStatusName.RUNNING })();
    await agent.updateStatus(work.right.id, { status: JobStatusName.COMPLETED, message: 'done' })();
  }
  const status = await alice.pollJob(created.right.id, { timeoutMs: 5_000 })(); // Right('Completed')
  await ledger.close()();
  return status;
};
