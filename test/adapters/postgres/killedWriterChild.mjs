// A writer process for killedWriter.test.ts, killed with SIGKILL while it works: jobledger as users run it (the
// compiled package, `createJobLedger` on `openStore('postgres://…')`), with users creating and commenting on
// jobs and agents claiming, running and finishing them, all at once, so that appends share transactions (group
// commit). Each command's acknowledgement is printed once the ledger answered it:
//   created <jobId> | comment <jobId> <commentId> | status <jobId> <status>
// It never stops by itself.
//
// node killedWriterChild.mjs <dist> <store URL>
import { join } from 'node:path';

const [dist, url] = process.argv.slice(2);
const { createJobLedger, openStore } = await import(join(dist, 'index.js'));
const ledger = createJobLedger({ store: openStore(url) });

const must = (r, what) => {
  if (r._tag === 'Right') return r.right;
  process.stderr.write(`${what}: ${r.left.message}\n`);
  process.exit(3);
};
const ack = (line) => process.stdout.write(`${line}\n`);

const user = async (u) => {
  const session = ledger.as({ kind: 'user', id: `u-${u}`, tenantId: 't1' });
  for (let i = 0; ; i++) {
    const job = must(
      await session.createJob({ function: { id: 'fn-1' }, file: { name: `p-${u}-${i}.json` } })(),
      'createJob',
    );
    ack(`created ${job.id}`);
    if (i % 3 === 0) {
      const comment = must(await session.addComment(job.id, { content: `note ${i}` })(), 'addComment');
      ack(`comment ${job.id} ${comment.id}`);
    }
  }
};

const agent = async (a) => {
  const session = ledger.as({ kind: 'agent', id: `agent-${a}`, tenantId: 't1' });
  for (let i = 0; ; i++) {
    const job = must(await session.getJobForAgent()(), 'getJobForAgent');
    if (!('id' in job)) {
      // Nothing Pending yet: the users are behind.
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    ack(`status ${job.id} Claimed`);
    for (const status of ['Running', i % 4 === 0 ? 'Failed' : 'Completed']) {
      must(await session.updateStatus(job.id, { status })(), `updateStatus ${status}`);
      ack(`status ${job.id} ${status}`);
    }
  }
};

await Promise.all([...[0, 1, 2, 3].map(user), ...[0, 1, 2, 3].map(agent)]);
