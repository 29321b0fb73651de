// CPU profile target for issue 18's SQLite commands: createJob(draft) from 1 or 8 callers on a fresh file, WAL,
// `synchronous` NORMAL or FULL (the bench's `appends` section), or (`claims`) agents each claiming a job and
// moving it to Running and Completed. Prints CPU time per command. Run `npm run build` first, then e.g.
//   PROFILE_DIR=/tmp/prof node bench/profile/sqlite.mjs 1 normal   (a .cpuprofile of the measured loop only)
//   node bench/profile/sqlite.mjs [callers] [normal|full] [create|claims]
// JOBLEDGER_DIST=/path/to/another/dist measures another build (A/B runs on a shared machine).
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = await import(
  pathToFileURL(path.join(process.env.JOBLEDGER_DIST ?? path.join(root, 'dist'), 'index.js')).href
);
const callers = Number(process.argv[2] ?? 1);
const synchronous = process.argv[3] ?? 'normal';
const what = process.argv[4] ?? 'create';
const count = Number(process.env.PROFILE_OPS ?? 20_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobledger-profile-sqlite-'));
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const ledger = mod.createJobLedger({
  store: mod.openStore(`sqlite:${path.join(dir, 'p.db')}?synchronous=${synchronous}`),
});
const session = ledger.as(alice);
const draft = { function: { id: 'fn-1' }, file: { name: 'params.json' }, draft: true };
const ok = (r) => {
  if (r._tag !== 'Right') throw new Error(r.left.message);
  return r.right;
};
const agents = Array.from({ length: callers }, (_, i) =>
  ledger.as({ kind: 'agent', id: `agent-${i}`, tenantId: 't1' }),
);
const claimRun = async (i) => {
  const claimed = ok(await agents[i].getJobForAgent({})());
  if (!('id' in claimed)) throw new Error(`no job to claim: ${claimed.message}`);
  ok(await agents[i].updateStatus(claimed.id, { status: 'Running' })());
  ok(await agents[i].updateStatus(claimed.id, { status: 'Completed' })());
};
const commandsPerOp = what === 'claims' ? 3 : 1;
const loop = async (label, n, op = async () => ok(await session.createJob(draft)())) => {
  let started = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async (_, i) => {
      while (started < n) {
        started++;
        await op(i);
      }
    }),
  );
  const cpu = process.cpuUsage(c0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `${label}: ${((cpu.user + cpu.system) / n / commandsPerOp).toFixed(1)} µs CPU per command ` +
      `(user ${(cpu.user / n / commandsPerOp).toFixed(1)}, system ${(cpu.system / n / commandsPerOp).toFixed(1)}), ` +
      `${(n / seconds).toFixed(0)}/s, ` +
      `${callers} caller(s), ${synchronous}`,
  );
};
await loop('warm-up', 2000);
if (what === 'claims') {
  const submitted = { function: { id: 'fn-1' }, file: { name: 'params.json' } };
  await loop('seed createJob', count + 500, async () => ok(await session.createJob(submitted)()));
  await loop('warm-up claims', 500, claimRun);
}
const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
if (profiler !== undefined) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
if (what === 'claims') await loop('claim + Running + Completed', count, claimRun);
else await loop('createJob(draft)', count);
if (profiler !== undefined) {
  const { profile } = await profiler.post('Profiler.stop');
  fs.mkdirSync(process.env.PROFILE_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(process.env.PROFILE_DIR, `sqlite-${what}-${callers}-${synchronous}.cpuprofile`),
    JSON.stringify(profile),
  );
}
await ledger.close()();
fs.rmSync(dir, { recursive: true, force: true });
