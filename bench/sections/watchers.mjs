// Section: commands on one job while many SSE clients watch other jobs (issue 14, "one feed for all watchers").
//  - `jobledger serve`-like setup: createHttpServer over a fresh SQLite file, in this process;
//  - the watchers: N SSE connections (GET /jobs/{id}/events) to other jobs, held by a child process (so the
//    server's RSS is the server's alone, and the clients do not share its event loop);
//  - sequential commands (POST /jobs/{id}/comments) on one fresh job for `durationMs`: commands/s and the server's
//    CPU per command, with 0, 1000 and 5000 watchers (`BENCH_WATCHERS`);
//  - the server's RSS per idle watcher (RSS with N watchers minus RSS with none, over N, after a GC).
// Target: with the most watchers, at least 0.8x the commands/s with none.
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { now, progress, removeDir, tempDir } from '../lib/measure.mjs';
import { loadJobledger, need, right, smallestJob } from '../lib/ours.mjs';

const SECTION = 'watchers';
const CHILD = 'jobledger-bench-watchers';

// ---------------------------------------------------------------------------------------------------------
// Child side: holds SSE connections until told to stop.
if (process.argv[2] === CHILD) {
  const streams = [];
  let events = 0;
  process.on('message', (m) => {
    if (m.kind === 'open') {
      const { url, paths, token } = m;
      let open = 0;
      let failed = 0;
      const settle = () => {
        if (open + failed === paths.length) process.send({ kind: 'opened', open, failed });
      };
      for (const p of paths) {
        const req = http.get(`${url}${p}`, { agent: false, headers: { authorization: `Bearer ${token}` } });
        req.on('response', (res) => {
          let first = true;
          res.on('data', (chunk) => {
            if (first) {
              first = false;
              open++;
              settle();
            }
            events += String(chunk).split('\nid: ').length - 1 + (String(chunk).startsWith('id: ') ? 1 : 0);
          });
          res.on('error', () => {});
        });
        req.on('error', () => {
          failed++;
          settle();
        });
        streams.push(req);
      }
      if (paths.length === 0) settle();
    } else if (m.kind === 'close') {
      for (const req of streams.splice(0)) req.destroy();
      process.send({ kind: 'closed', events });
    }
  });
}

const here = fileURLToPath(import.meta.url);

/** A child process holding `paths.length` SSE connections; resolves once every one got its first bytes. */
const openWatchers = (url, paths, token) =>
  new Promise((resolve, reject) => {
    const child = fork(here, [CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('message', (m) => {
      if (m.failed > 0) reject(new Error(`${m.failed} of ${paths.length} watchers could not connect`));
      else
        resolve({
          close: () =>
            new Promise((done) => {
              child.once('message', (closed) => {
                child.kill();
                done(closed);
              });
              child.send({ kind: 'close' });
            }),
        });
    });
    child.send({ kind: 'open', url, paths, token });
  });

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const settledRss = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage().rss;
};

const tokens = { 'bench-alice-token': { kind: 'user', id: 'u-alice', tenantId: 't1' } };
const token = 'bench-alice-token';

/** Sequential comments on one fresh job for `durationMs`: commands/s and server CPU ms per command. */
const commandRate = async (url, session, durationMs) => {
  const job = right(await session.createJob(smallestJob)(), 'createJob');
  const post = async (i) => {
    const res = await globalThis.fetch(`${url}/jobs/${job.id}/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: `comment ${i}` }),
    });
    await res.arrayBuffer();
    if (res.status !== 200 && res.status !== 201) throw new Error(`POST comments: ${res.status}`);
  };
  for (let i = 0; i < 20; i++) await post(i); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = now();
  let n = 0;
  while (now() - t0 < durationMs) await post(n++);
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: n / seconds, n, seconds, cpuMsPerCommand: (cpu.user + cpu.system) / 1000 / n };
};

export const runWatchers = async (report, config) => {
  const dir = tempDir('watchers');
  let ledger;
  let server;
  try {
    const mod = need(await loadJobledger(), 'createJobLedger', 'openStore', 'createHttpServer');
    ledger = mod.createJobLedger({ store: mod.openStore(`sqlite:${path.join(dir, 'bench.db')}`) });
    server = mod.createHttpServer({ ledger, tokens: new Map(Object.entries(tokens)) });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    const session = ledger.as(tokens[token]);
    const watchedJobs = [];
    for (let i = 0; i < 200; i++)
      watchedJobs.push(right(await session.createJob(smallestJob)(), 'createJob').id);

    let base;
    let baseCpu;
    const baseRss = await settledRss();
    for (const count of config.watchers) {
      progress(`${SECTION}: ${count} SSE watchers of other jobs, sequential commands on one job`);
      const paths = Array.from(
        { length: count },
        (_, i) => `/jobs/${watchedJobs[i % watchedJobs.length]}/events`,
      );
      const watchers = await openWatchers(url, paths, token);
      try {
        const rss = await settledRss();
        const r = await commandRate(url, session, config.durationMs);
        const closed = await watchers.close();
        const feed = ledger.feed?.stats?.();
        report.measure({
          section: SECTION,
          id: `watchers.${count}`,
          label: `POST /jobs/{id}/comments, sequential, ${count} SSE watchers of other jobs`,
          value: r.perSecond,
          unit: 'commands/s',
          cpuMsPerCommand: r.cpuMsPerCommand,
          rssMiB: rss / 2 ** 20,
          detail:
            `${r.n} in ${r.seconds.toFixed(1)} s; server CPU ${r.cpuMsPerCommand.toFixed(2)} ms/command; ` +
            `server RSS ${(rss / 2 ** 20).toFixed(0)} MiB; the watchers got ${closed.events} events ` +
            `(their jobs' histories, ${2 * count}; nothing of the commanded job)` +
            (feed ? `; store subscriptions opened so far: ${feed.subscriptions}` : ''),
        });
        if (count === 0) {
          base = r.perSecond;
          baseCpu = r.cpuMsPerCommand;
        } else {
          if (baseCpu !== undefined)
            report.measure({
              section: SECTION,
              id: `watchers.${count}.cpu`,
              label: `server CPU per command, ${count} SSE watchers / none`,
              value: r.cpuMsPerCommand / baseCpu,
              unit: 'x',
              detail: `${r.cpuMsPerCommand.toFixed(2)} / ${baseCpu.toFixed(2)} ms (steadier than commands/s on a shared machine)`,
            });
          report.measure({
            section: SECTION,
            id: `watchers.${count}.rss`,
            label: `server RSS per idle SSE watcher (${count} watchers)`,
            value: (rss - baseRss) / count / 1024,
            unit: 'KiB',
            detail: `(${(rss / 2 ** 20).toFixed(1)} - ${(baseRss / 2 ** 20).toFixed(1)} MiB) / ${count}, after a GC`,
          });
        }
      } catch (error) {
        await watchers.close().catch(() => {});
        throw error;
      }
    }
    const most = Math.max(...config.watchers);
    if (most > 0)
      report.target({
        id: 'watchers.ratio',
        label: `commands/s with ${most} SSE watchers / with none (issue 14: ≥ 0.8)`,
        ours: report.get(`watchers.${most}`)?.value,
        baseline: base,
        need: 0.8,
      });
  } catch (error) {
    report.fail(SECTION, 'watchers', error);
  } finally {
    try {
      await server?.close();
      if (ledger) await ledger.close()();
    } catch (error) {
      report.fail(SECTION, 'close', error);
    }
    removeDir(dir);
  }
};
