// CPU profile target for issue 18's batch jobs: `rebuildProjections` and `verify` over a SQLite file of jobs
// (each: createJob, a comment, a property update: 4 events). Run `npm run build` first, then e.g.
//   PROFILE_DIR=/tmp/prof node bench/profile/ledger.mjs rebuild   (a .cpuprofile of the measured loop only)
//   node bench/profile/ledger.mjs                                 (both, prints CPU time per event)
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobledger-profile-ledger-'));
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const ledger = mod.createJobLedger({ store: mod.openStore(`sqlite:${path.join(dir, 'p.db')}`) });
const ok = (r) => {
  if (r._tag !== 'Right') throw new Error(r.left.message);
  return r.right;
};
let made = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (made < 2000) {
      made++;
      const session = ledger.as(alice);
      const job = ok(await session.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })());
      ok(await session.addComment(job.id, { content: 'a comment' })());
      ok(await session.updateProperties(job.id, { displayName: 'shown' })());
    }
  }),
);
const which = process.argv[2] ?? 'all';
const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
if (profiler !== undefined) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const loop = async (label, rounds, body) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let events = 0;
  for (let i = 0; i < rounds; i++) events += await body();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) * 1000;
  console.log(
    `${label}: ${((cpu.user + cpu.system) / events).toFixed(2)} µs CPU per event (all threads), ` +
      `${(wall / events).toFixed(2)} µs wall (${events} events)`,
  );
};
// VERIFY_THREADS=n: verify's worker threads (default: the ledger's default, the cores but one; 0: one thread).
const verifyOptions = process.env.VERIFY_THREADS ? { threads: Number(process.env.VERIFY_THREADS) } : {};
if (which === 'all' || which === 'rebuild')
  await loop('rebuildProjections', 3, async () => ok(await ledger.rebuildProjections()()).events);
if (which === 'all' || which === 'verify')
  await loop('verify', 3, async () => {
    const report = ok(await ledger.verify(verifyOptions)());
    if (!report.ok) throw new Error(JSON.stringify(report.problems.slice(0, 3)));
    return report.events;
  });
if (profiler !== undefined) {
  const { profile } = await profiler.post('Profiler.stop');
  fs.mkdirSync(process.env.PROFILE_DIR, { recursive: true });
  fs.writeFileSync(path.join(process.env.PROFILE_DIR, `ledger-${which}.cpuprofile`), JSON.stringify(profile));
}
await ledger.close?.();
fs.rmSync(dir, { recursive: true, force: true });
