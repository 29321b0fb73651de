// The README's "Remote client" example, run by test/adapters/client/remoteClientExample.test.ts against a live serve.
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedgerClient } from 'jobledger/client';
import { JobStatusName } from 'jobledger';

export const remoteClientExample = async (serveUrl: string, cacheDir: string) => {
  // The same calls as ledger.as(principal), over HTTP; the token decides who you are.
  const alice = createJobLedgerClient({ url: serveUrl, token: 'alice-token', cacheDir });
  const agent = createJobLedgerClient({ url: serveUrl, token: 'agent-token', cacheDir });

  const created = await alice.createJob({
    function: { id: 'fn-render' },
    file: { name: 'scene.json', content: JSON.stringify({ frames: 24 }) }, // streamed to the server
  })();
  if (E.isLeft(created)) throw new Error(created.left.message);
  const id = created.right.id;
  const finished = alice.pollJob(id, { timeoutMs: 120_000 })(); // long polls until Completed, Failed or Canceled

  // The agent waits up to 30 s for a job it may claim.
  const claimed = await agent.getJobForAgent({ functionIds: ['fn-render'], waitMs: 30_000 })();
  const params = await agent.readJson(id)(); // Right({ frames: 24 }), checked against its sha256, then cached
  for (const status of [JobStatusName.RUNNING, JobStatusName.UPLOADING])
    await agent.updateStatus(id, { status })();
  await agent.uploadResult(id, { name: 'frames.txt', content: '24 frames' })();
  await agent.updateStatus(id, { status: JobStatusName.COMPLETED })();

  const status = await finished; // Right('Completed')
  const result = await alice.readText(id)(); // Right('24 frames')
  const missing = await alice.getJob('no-such-job')(); // Left({ _tag: 'NotFound', ... }), as in process
  const cache = await alice.getCacheStats()(); // Right({ entries, bytes, hits, misses, ... })
  await alice.close();
  await agent.close();
  return { claimed, params, status, result, missing, cache };
};
