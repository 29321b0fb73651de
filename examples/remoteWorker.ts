// The README's "Workers over HTTP" example, run by test/app/worker/remoteWorkerExample.test.ts against a live serve.
import * as E from 'fp-ts/lib/Either.js';
import { createWorker } from 'jobledger';
import { createJobLedgerClient } from 'jobledger/client';

export const remoteWorkerExample = async (serveUrl: string, cacheDir: string) => {
  // The agent's machine holds only its token: no database credentials.
  const agent = createJobLedgerClient({ url: serveUrl, token: 'agent-token', cacheDir });
  const me = await agent.connect()(); // checks the URL and the token before anything is claimed
  if (E.isLeft(me)) throw new Error(me.left.message);

  const worker = createWorker({
    session: agent, // the one line that differs from a worker in process
    handler: async (job, ctx) => {
      const params = await agent.readJson(job.id)(); // downloaded, checked against its sha256, cached
      if (E.isLeft(params)) throw new Error(params.left.message);
      const { frames } = params.right as { frames: number };
      await ctx.uploadResult(`${frames} frames rendered`, { name: 'render.txt', mime: 'text/plain' });
    },
  });
  worker.on('error', (error) => console.error(`worker: ${error.message}`)); // once per outage; it backs off
  worker.start(); // each claim waits in POST /agent/job?wait_s=, answered as soon as a job is created

  const alice = createJobLedgerClient({ url: serveUrl, token: 'alice-token', cacheDir });
  const created = await alice.createJob({
    function: { id: 'fn-render' },
    file: { name: 'scene.json', content: JSON.stringify({ frames: 24 }) },
  })();
  if (E.isLeft(created)) throw new Error(created.left.message);
  const status = await alice.pollJob(created.right.id, { timeoutMs: 30_000 })(); // Right('Completed')
  const result = await alice.readText(created.right.id)(); // Right('24 frames rendered')

  await worker.stop();
  await Promise.all([agent.close(), alice.close()]);
  return { status, result };
};
