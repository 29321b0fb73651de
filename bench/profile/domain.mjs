// CPU profile target for the domain's hot paths (issue 18): folding many 9-event streams (decode + evolve) and a
// Job's wire round trip (toJson + fromJson), on the built dist/. Run `npm run build` first, then e.g.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile/domain.mjs fold
//   node bench/profile/domain.mjs            (both loops, prints per-operation times)
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const right = (r, what) => {
  if (r._tag !== 'Right') throw new Error(`${what}: ${r.left._tag}: ${r.left.message}`);
  return r.right;
};

let n = 0;
const ledger = mod.createJobLedger({
  store: mod.openStore('memory:'),
  ids: () => `id-${n++}`,
  clock: () => new Date('2026-01-01T00:00:00.000Z'),
});
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const agent = { kind: 'agent', id: 'agent-7', tenantId: 't1' };
const user = ledger.as(alice);
const job = right(
  await user.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' }, modelId: 'm1' })(),
  'createJob',
);
right(await ledger.as(agent).getJobForAgent({})(), 'claim');
right(await ledger.as(agent).updateStatus(job.id, { status: 'Running' })(), 'Running');
right(await ledger.as(agent).updateStatus(job.id, { status: 'Uploading' })(), 'Uploading');
right(await ledger.as(agent).uploadResult(job.id, { name: 'out.json', content: '{"a":1}' })(), 'upload');
right(await user.updateProperties(job.id, { displayName: 'Nice', description: 'd' })(), 'props');
right(await user.addComment(job.id, { content: 'looks good' })(), 'comment');
right(await ledger.as(agent).updateStatus(job.id, { status: 'Completed' })(), 'Completed');
const events = [];
for await (const e of ledger.store.readStream(`job-${job.id}`)) events.push(e);
const full = right(await user.getJob(job.id)(), 'getJob');
console.log(`stream of ${events.length} events: ${events.map((e) => e.type).join(', ')}`);

const time = (label, count, body) => {
  body(Math.min(count, 2000)); // warm up
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  body(count);
  const cpu = process.cpuUsage(c0);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / count;
  // CPU time (this process, all threads) is steadier than wall time on a shared machine.
  console.log(
    `${label}: ${((cpu.user + cpu.system) / count).toFixed(2)} µs CPU, ${us.toFixed(2)} µs wall per op`,
  );
};
let sink = 0;
const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'fold')
  time(`foldJobStream (${events.length} events)`, 100_000, (k) => {
    for (let i = 0; i < k; i++) sink += right(mod.foldJobStream(events), 'fold').version;
  });
if (which === 'all' || which === 'wire') {
  const text = mod.Job.toJson(full);
  time('Job.toJson', 100_000, (k) => {
    for (let i = 0; i < k; i++) sink += mod.Job.toJson(full).length;
  });
  time('Job.fromJson', 100_000, (k) => {
    for (let i = 0; i < k; i++) sink += right(mod.Job.fromJson(text), 'fromJson').statusHistory.length;
  });
}
if (which === 'all' || which === 'verify')
  time(`createStreamVerifier (${events.length} events)`, 50_000, (k) => {
    for (let i = 0; i < k; i++) {
      const verifier = mod.createStreamVerifier(events[0].streamId);
      for (const e of events) verifier.push(e);
      sink += verifier.finish().length;
    }
  });
if (sink === -1) console.log(sink);
