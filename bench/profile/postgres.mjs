// CPU profile target for issue 18's Postgres commands: createJob(draft) from 8 callers, and 8 agents each
// claiming a job and moving it to Running and Completed (the bench's `pg.jobs` loop), or (`claims10`) claiming ten
// with getJobForAgent({ max: 10 }) and moving each to Running and Completed, on a fresh database of
// the local server. Prints Node's CPU time per command (steadier than wall time on a shared machine). Run
// `npm run build` first, then e.g.
//   PROFILE_DIR=/tmp/prof node bench/profile/postgres.mjs claims   (a .cpuprofile of the measured loop only)
//   node bench/profile/postgres.mjs                                  (both loops)
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshDatabase } from '../lib/postgresPeers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const ok = (r) => {
  if (r._tag !== 'Right') throw new Error(r.left.message);
  return r.right;
};
const which = process.argv[2] ?? 'all';
const db = await freshDatabase('profile');
const ledger = mod.createJobLedger({ store: mod.openStore(`${db.url}?schema=jobledger&pool_size=10`) });
const session = ledger.as(alice);
const job = { function: { id: 'fn-1' }, file: { name: 'params.json' } };
const jobs = Number(process.env.PROFILE_JOBS ?? 3000);

/** `count` operations from `callers` concurrent callers; prints CPU time per command. */
const loop = async (label, count, callers, commandsPerOp, op) => {
  let started = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (started < count) {
        started++;
        await op(caller);
      }
    }),
  );
  const cpu = process.cpuUsage(c0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const commands = count * commandsPerOp;
  console.log(
    `${label}: ${((cpu.user + cpu.system) / commands).toFixed(1)} µs CPU per command, ` +
      `${(count / seconds).toFixed(0)} ops/s (${count} ops, ${callers} callers)`,
  );
};

const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
const startProfile = async () => {
  if (profiler === undefined) return;
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
};
const stopProfile = async (name) => {
  if (profiler === undefined) return;
  const { profile } = await profiler.post('Profiler.stop');
  fs.mkdirSync(process.env.PROFILE_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(process.env.PROFILE_DIR, `postgres-${name}.cpuprofile`),
    JSON.stringify(profile),
  );
  profiler.disconnect();
};

try {
  // Warm-up (migrations, JIT, prepared statements), then the measured loops.
  await loop('warm-up createJob', 500, 8, 1, async () =>
    ok(await session.createJob({ ...job, draft: true })()),
  );
  if (which === 'all' || which === 'create') {
    await startProfile();
    await loop('createJob(draft)', jobs, 8, 1, async () =>
      ok(await session.createJob({ ...job, draft: true })()),
    );
    await stopProfile('create');
  }
  if (which === 'all' || which === 'claims') {
    await loop('seed createJob', jobs, 8, 1, async () => ok(await session.createJob(job)()));
    const agents = Array.from({ length: 8 }, (_, i) =>
      ledger.as({ kind: 'agent', id: `agent-${i}`, tenantId: 't1' }),
    );
    await startProfile();
    await loop('claim + Running + Completed', jobs, 8, 3, async (i) => {
      const claimed = ok(await agents[i].getJobForAgent({})());
      if (!('id' in claimed)) throw new Error(`no job to claim: ${claimed.message}`);
      ok(await agents[i].updateStatus(claimed.id, { status: 'Running' })());
      ok(await agents[i].updateStatus(claimed.id, { status: 'Completed' })());
    });
    await stopProfile('claims');
  }
  if (which === 'all' || which === 'claims10') {
    // A few more than the loop takes, so that the last batches find ten.
    await loop('seed createJob', jobs + 100, 8, 1, async () => ok(await session.createJob(job)()));
    const agents = Array.from({ length: 8 }, (_, i) =>
      ledger.as({ kind: 'agent', id: `batch-${i}`, tenantId: 't1' }),
    );
    await startProfile();
    // An operation is ten jobs: thirty commands.
    await loop('claim 10 + Running + Completed', jobs / 10, 8, 30, async (i) => {
      const claimed = ok(await agents[i].getJobForAgent({ max: 10 })());
      if (claimed.length < 10) throw new Error(`claimed ${claimed.length} of 10`);
      for (const status of ['Running', 'Completed']) {
        for (const r of await Promise.all(claimed.map((j) => agents[i].updateStatus(j.id, { status })())))
          ok(r);
      }
    });
    await stopProfile('claims10');
  }
} finally {
  await ledger.close()();
  await db.drop();
}
