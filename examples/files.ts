// The README's "Job files" example, run by test/app/filesExample.test.ts (memory and a temporary SQLite file).
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger, openStore, JobStatusName } from 'jobledger';

export const filesExample = async (storeUrl = 'sqlite:./jobledger.db', copyPath = './result.csv') => {
  // Files go to ./jobledger-files/ beside a SQLite file (memory for memory:, Postgres tables for postgres://).
  const ledger = createJobLedger({ store: openStore(storeUrl) });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const agent = ledger.as({ kind: 'agent', id: 'agent-7', tenantId: 't1' });

  // The parameters file: the event records name, size, mime and sha256; the bytes go to the blob store.
  const params = JSON.stringify({ threshold: 0.5 });
  const created = await alice.createJob({
    function: { id: 'fn-1' },
    file: { name: 'params.json', content: params }, // or a Uint8Array, or a readable stream
  })();
  if (E.isLeft(created)) throw new Error(created.left.message);
  const id = created.right.id;

  await agent.getJobForAgent()();
  const input = await agent.readJson(id)(); // Right({ threshold: 0.5 }), checked against its sha256
  await agent.updateStatus(id, { status: JobStatusName.RUNNING })();
  await agent.updateStatus(id, { status: JobStatusName.UPLOADING })();
  // Only the agent holding the job, while Uploading: revision 2 of the job's file.
  await agent.uploadResult(id, { name: 'result.csv', content: 'id,score\n1,0.7\n' })();
  await agent.updateStatus(id, { status: JobStatusName.COMPLETED })();

  const result = await alice.readText(id)(); // Right('id,score\n1,0.7\n'): the current revision
  const first = await alice.readText(id, { revision: 1 })(); // the parameters file
  const copied = await alice.copyTo(id, copyPath)(); // streams to disk: Right({ path, bytes: 15, revision: 2 })
  const report = await ledger.verify()(); // also re-hashes every stored file
  await ledger.close()();
  return { input, result, first, copied, report };
};
