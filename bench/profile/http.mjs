// CPU profile target for the HTTP reads (issue 18): GET /jobs/{id} and GET /jobs?size=20 on a SQLite file, sent
// through fastify's inject (the routes, hooks, auth, codecs and serialization run; no sockets, no load
// generator sharing the profile). Run `npm run build` first, then e.g.
//   PROFILE_DIR=/tmp/prof node bench/profile/http.mjs get   (a .cpuprofile of the measured loops only)
//   node bench/profile/http.mjs            (both loops, prints per-request times)
//   node bench/profile/http.mjs floor      (both loops, and the same on a bare fastify answering fixed objects of
//                                           the same size, as the bench's floor: the CPU ratios side by side)
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobledger-profile-http-'));
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const ledger = mod.createJobLedger({ store: mod.openStore(`sqlite:${path.join(dir, 'p.db')}`) });
const ids = [];
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (ids.length < 1000) {
      const r = await ledger
        .as(alice)
        .createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
      if (r._tag !== 'Right') throw new Error(r.left.message);
      ids.push(r.right.id);
    }
  }),
);
const server = mod.createHttpServer({ ledger, tokens: new Map([['tok', alice]]) });
await server.app.ready();
const headers = { authorization: 'Bearer tok' };
const loop = async (label, count, pathOf, app = server.app) => {
  const run = async (k) => {
    for (let i = 0; i < k; i++) {
      const r = await app.inject({ method: 'GET', url: pathOf(i), headers });
      if (r.statusCode !== 200) throw new Error(`${pathOf(i)}: ${r.statusCode} ${r.body}`);
    }
  };
  await run(Math.min(count, 500));
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await run(count);
  const cpu = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / count;
  // CPU time (this process, all threads) is steadier than wall time on a shared machine.
  console.log(
    `${label}: ${((cpu.user + cpu.system) / count).toFixed(1)} µs CPU, ${wall.toFixed(1)} µs wall per request`,
  );
  return (cpu.user + cpu.system) / count;
};
const which = process.argv[2] ?? 'all';
const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
if (profiler !== undefined) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const getPath = (i) => `/jobs/${encodeURIComponent(ids[i % ids.length])}`;
const listPath = (i) => `/jobs?size=20&page=${(i % 10) + 1}`;
const ours = {};
if (which === 'all' || which === 'get' || which === 'floor')
  ours.get = await loop('GET /jobs/{id}', 10_000, getPath);
if (which === 'all' || which === 'list' || which === 'floor')
  ours.list = await loop('GET /jobs?size=20', 3000, listPath);
if (which === 'floor') {
  // The bench's floor: the same fastify, one route each, answering a fixed object of the answer's size.
  const Fastify = createRequire(path.join(root, 'package.json'))('fastify');
  const floor = Fastify({ logger: false });
  const jobBody = JSON.parse((await server.app.inject({ method: 'GET', url: getPath(0), headers })).body);
  const pageBody = JSON.parse((await server.app.inject({ method: 'GET', url: listPath(0), headers })).body);
  floor.get('/jobs/:id', async () => jobBody);
  floor.get('/jobs', async () => pageBody);
  await floor.ready();
  const floorGet = await loop('floor GET /jobs/:id', 10_000, getPath, floor);
  const floorList = await loop('floor GET /jobs', 3000, listPath, floor);
  console.log(
    `CPU ratio floor/ours (the bench's req/s ratio if CPU bound): GET ${(floorGet / ours.get).toFixed(2)}x, ` +
      `list ${(floorList / ours.list).toFixed(2)}x`,
  );
  await floor.close();
}
if (profiler !== undefined) {
  const { profile } = await profiler.post('Profiler.stop');
  fs.mkdirSync(process.env.PROFILE_DIR, { recursive: true });
  fs.writeFileSync(path.join(process.env.PROFILE_DIR, `http-${which}.cpuprofile`), JSON.stringify(profile));
}
await server.close();
await ledger.close?.();
fs.rmSync(dir, { recursive: true, force: true });
