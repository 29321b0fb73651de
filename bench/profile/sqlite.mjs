// CPU profile target for issue 18's SQLite appends: createJob(draft) from 1 and 8 callers on a fresh file, WAL,
// `synchronous` NORMAL or FULL (the bench's `appends` section), and, for comparison, a raw better-sqlite3
// one-row transaction loop. Prints CPU time per command. Run `npm run build` first, then e.g.
//   PROFILE_DIR=/tmp/prof node bench/profile/sqlite.mjs 1 normal   (a .cpuprofile of the measured loop only)
//   node bench/profile/sqlite.mjs [callers] [normal|full]
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
const loop = async (label, n) => {
  let started = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started < n) {
        started++;
        ok(await session.createJob(draft)());
      }
    }),
  );
  const cpu = process.cpuUsage(c0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `${label}: ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU per command ` +
      `(user ${(cpu.user / n).toFixed(1)}, system ${(cpu.system / n).toFixed(1)}), ${(n / seconds).toFixed(0)}/s, ` +
      `${callers} caller(s), ${synchronous}`,
  );
};
await loop('warm-up', 2000);
const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
if (profiler !== undefined) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
await loop('createJob(draft)', count);
if (profiler !== undefined) {
  const { profile } = await profiler.post('Profiler.stop');
  fs.mkdirSync(process.env.PROFILE_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(process.env.PROFILE_DIR, `sqlite-${callers}-${synchronous}.cpuprofile`),
    JSON.stringify(profile),
  );
}
await ledger.close()();
fs.rmSync(dir, { recursive: true, force: true });
