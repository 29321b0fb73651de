// A ledger process for failover.test.ts: the compiled package on a multi-host Postgres URL, creating jobs and
// claiming them (one loop each) until it reads a line on stdin. Every acknowledged command is printed with the
// times it started and ended ("created <id> <start> <end>", "claimed <id> <start> <end>"); a failed command is
// printed as "failed <command> <tag> <message>" and the loop goes on. With POLL_JOB set it also waits for that job
// with pollJob ("poll-started", then "polled <status> <time>").
//
// JOBLEDGER_ENTRY=<dist/index.js URL> URL=<store URL> P=<n> [POLL_JOB=<id>] node failoverChild.mjs
const jobledger = await import(process.env.JOBLEDGER_ENTRY);

const say = (line) => process.stdout.write(`${line}\n`);
const p = process.env.P;
const ledger = jobledger.createJobLedger({ store: jobledger.openStore(process.env.URL) });
const user = ledger.as({ kind: 'user', id: `u-${p}`, tenantId: 't1' });
const agent = ledger.as({ kind: 'agent', id: `agent-${p}`, tenantId: 't1' });

let stopping = false;
process.stdin.once('data', () => (stopping = true));

const warm = await ledger.system.listJobs({ size: 1 })();
if (warm._tag !== 'Right') {
  say(`failed warm-up ${warm.left._tag} ${warm.left.message}`);
  process.exit(3);
}

let polled = Promise.resolve();
if (process.env.POLL_JOB) {
  const waiting = ledger.system.pollJob(process.env.POLL_JOB, { timeoutMs: 60_000 })();
  say('poll-started');
  polled = waiting.then((r) =>
    say(
      r._tag === 'Right'
        ? `polled ${r.right} ${Date.now()}`
        : `failed pollJob ${r.left._tag} ${r.left.message}`,
    ),
  );
}
say('ready');

const loop = async (name, command, acknowledged) => {
  while (!stopping) {
    const start = Date.now();
    const r = await command();
    if (r._tag === 'Left') say(`failed ${name} ${r.left._tag} ${r.left.message.replace(/\n/g, ' ')}`);
    else if (!acknowledged(r.right, start)) await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

await Promise.all([
  loop(
    'createJob',
    () => user.createJob({ function: { id: 'fn-load' }, file: { name: 'params.json' } })(),
    (job, start) => (say(`created ${job.id} ${start} ${Date.now()}`), true),
  ),
  loop(
    'getJobForAgent',
    () => agent.getJobForAgent({ functionIds: ['fn-load'] })(),
    (job, start) => 'id' in job && (say(`claimed ${job.id} ${start} ${Date.now()}`), true),
  ),
]);
await polled;
await ledger.close()();
say('done');
process.stdin.destroy();
