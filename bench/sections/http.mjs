// Section: the HTTP service (`createHttpServer`) on loopback, under autocannon.
//  - requests/s and p50/p99 latency of GET /jobs/{id} (random ids) and GET /jobs?size=20 (a few pages and
//    filters), at 1 and 16 connections, on a fresh SQLite file with `httpJobs` jobs;
//  - the floor: a bare fastify route (the same fastify jobledger runs on) answering a fixed JSON object of the
//    same size as the jobledger answer, so each jobledger rate is also shown as a ratio of the floor (targets at
//    16 connections, issue 18: GET /jobs/{id} >= 0.7x, GET /jobs?size=20 >= 0.5x);
//  - long-poll latency: GET /jobs/{id}/poll waits while an agent claims the job (POST /agent/job) and moves it
//    through Validating, Running, Uploading, Completed (PUT /jobs/{id}/status); the time from the answer of the
//    completing PUT to the poll's answer.
// The load generator runs in a worker thread (this same file), so it does not share the server's event loop.
import { createRequire } from 'node:module';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { now, progress, removeDir, summarize, tempDir } from '../lib/measure.mjs';
import { loadJobledger, need, repoRoot, right, smallestJob } from '../lib/ours.mjs';

const SECTION = 'http';
const LOAD = 'jobledger-bench-http-load';

// ---------------------------------------------------------------------------------------------------------
// Worker side: one autocannon run over a list of paths (each request takes a random one).
if (!isMainThread && workerData?.kind === LOAD) {
  const { default: autocannon } = await import('autocannon');
  const { url, paths, connections, durationMs, headers } = workerData;
  // autocannon's own histogram keeps whole milliseconds (a loopback answer is mostly "0 ms"): the latencies are
  // taken from its 'response' event instead, which carries the hrtime duration of each request.
  const latencies = [];
  const r = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: Math.max(1, Math.round(durationMs / 1000)),
        headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: paths[Math.floor(Math.random() * paths.length)] }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  const { p50, p99, max } = summarize(latencies);
  // Inside a worker thread autocannon answers its raw (not aggregated) result: totals, no histograms.
  const total = r.totalCompletedRequests ?? r.requests.total;
  const bytes = r.totalBytes ?? r.throughput.total;
  parentPort.postMessage({
    total,
    seconds: r.duration,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    p50,
    p99,
    max,
    bytesPerRequest: total > 0 ? bytes / total : 0,
  });
}

/** Runs autocannon in a worker thread; resolves with its summary. */
const load = (options) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { kind: LOAD, ...options } });
    let result;
    worker.once('message', (m) => {
      result = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      result !== undefined ? resolve(result) : reject(new Error(`load generator exited with ${code}`)),
    );
  });

// ---------------------------------------------------------------------------------------------------------
// Main side.

const tokens = {
  'bench-alice-token': { kind: 'user', id: 'u-alice', tenantId: 't1' },
  'bench-agent-token': { kind: 'agent', id: 'agent-1', tenantId: 't1' },
};
const asAlice = { authorization: 'Bearer bench-alice-token' };
const asAgent = { authorization: 'Bearer bench-agent-token' };

/** fetch as JSON; throws on an unexpected status. */
const call = async (base, method, p, headers, body) => {
  const res = await globalThis.fetch(`${base}${p}`, {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 200)}`);
  return { text, body: JSON.parse(text) };
};

/** The floor: a bare fastify (jobledger's own copy) with the same two routes answering fixed objects. */
const startFloor = async (jobBody, pageBody) => {
  const Fastify = createRequire(path.join(repoRoot, 'package.json'))('fastify');
  const app = Fastify({ logger: false });
  app.get('/jobs/:id', async () => jobBody);
  app.get('/jobs', async () => pageBody);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
};

const seedJobs = async (session, jobs) => {
  const ids = [];
  let made = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (made < jobs) {
        made++;
        ids.push(right(await session.createJob(smallestJob)(), 'seed createJob').id);
      }
    }),
  );
  return ids;
};

/** One autocannon run of a case (after a discarded 1 s warm-up when `warm`: JIT, SQLite page cache, sockets). */
const loadOnce = async ({ url, paths, headers }, connections, config, warm) => {
  if (warm) await load({ url, paths, connections, durationMs: 1000, headers });
  return load({ url, paths, connections, durationMs: config.httpDurationMs, headers });
};

/** Reports a case's run as its req/s with latencies in the detail column. */
const reportLoad = (report, { id, label }, connections, r, rounds) => {
  const perSecond = r.total / r.seconds;
  let detail =
    `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms; ` +
    `${r.total} requests in ${r.seconds.toFixed(1)} s, ${Math.round(r.bytesPerRequest)} B each with headers` +
    (rounds > 1 ? `; best of ${rounds} interleaved rounds` : '');
  const failed = r.non2xx + r.errors + r.timeouts;
  if (failed > 0)
    detail += `; ${failed} FAILED (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts)`;
  return report.measure({
    section: SECTION,
    id: `${id}.${connections}`,
    label: `${label}, ${connections} connection${connections > 1 ? 's' : ''}`,
    value: perSecond,
    unit: 'req/s',
    p50: r.p50,
    p99: r.p99,
    max: r.max,
    requests: r.total,
    seconds: r.seconds,
    failed,
    detail,
  });
};

/** One long poll: claim, start the poll, walk the job to Completed; ms from the Completed answer to the poll's. */
const pollOnce = async (url, timeoutS) => {
  const claimed = (await call(url, 'POST', '/agent/job', asAgent, {})).body;
  if (typeof claimed.id !== 'string') throw new Error(`no job to claim: ${JSON.stringify(claimed)}`);
  const jobPath = `/jobs/${encodeURIComponent(claimed.id)}`;
  let pollAt;
  const poll = call(url, 'GET', `${jobPath}/poll?timeout_s=${timeoutS}`, asAlice).then((r) => {
    pollAt = now();
    return r.body;
  });
  // The intermediate transitions take a few round trips: by then the poll is waiting on the live feed.
  for (const status of ['Validating', 'Running', 'Uploading'])
    await call(url, 'PUT', `${jobPath}/status`, asAgent, { status });
  const sentAt = now();
  await call(url, 'PUT', `${jobPath}/status`, asAgent, { status: 'Completed' });
  const answeredAt = now();
  const answer = await poll;
  if (answer.status !== 'Completed') throw new Error(`the poll answered ${JSON.stringify(answer)}`);
  if (pollAt === undefined) throw new Error('the poll answered before its time was taken');
  return { fromAnswer: pollAt - answeredAt, fromSend: pollAt - sentAt, put: answeredAt - sentAt };
};

export const runHttp = async (report, config) => {
  const dir = tempDir('http');
  let ledger;
  let server;
  let floor;
  try {
    const mod = need(await loadJobledger(), 'createJobLedger', 'openStore', 'createHttpServer');
    ledger = mod.createJobLedger({ store: mod.openStore(`sqlite:${path.join(dir, 'bench.db')}`) });
    progress(`${SECTION}: creating ${config.httpJobs} jobs (createJob, 16 concurrent callers)`);
    const s0 = now();
    const ids = await seedJobs(ledger.as(tokens['bench-alice-token']), config.httpJobs);
    const seedSeconds = (now() - s0) / 1000;
    report.measure({
      section: SECTION,
      id: 'http.seed',
      label: 'seed: createJob through the library, 16 callers',
      value: ids.length / seedSeconds,
      unit: 'jobs/s',
      detail: `${ids.length} jobs in ${seedSeconds.toFixed(1)} s (setup)`,
    });

    server = mod.createHttpServer({ ledger, tokens: new Map(Object.entries(tokens)) });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    const jobPaths = ids.map((id) => `/jobs/${encodeURIComponent(id)}`);
    const listPaths = [
      '/jobs?size=20',
      '/jobs?size=20&page=2',
      '/jobs?size=20&page=10',
      '/jobs?size=20&status_name=Pending',
      '/jobs?size=20&created_by_id=u-alice&page=3',
    ];
    // Every path answers 200 before it is measured (a 4xx would be measured as fast as it fails).
    const job = await call(url, 'GET', jobPaths[0], asAlice);
    let page;
    for (const p of listPaths) {
      const r = await call(url, 'GET', p, asAlice);
      if (r.body.items?.length !== 20) throw new Error(`GET ${p}: ${r.body.items?.length} items, not 20`);
      page ??= r;
    }
    floor = await startFloor(job.body, page.body);
    const floorJobPaths = jobPaths.slice(0, 100);

    const v = (mid) => report.get(mid)?.value;
    for (const connections of [1, 16]) {
      const cases = [
        {
          id: 'http.floor.get',
          label: `bare fastify GET /jobs/:id, fixed ${job.text.length} B object`,
          url: floor.url,
          paths: floorJobPaths,
          headers: {},
        },
        {
          id: 'http.get',
          label: 'jobledger GET /jobs/{id}, random ids',
          url,
          paths: jobPaths,
          headers: asAlice,
        },
        {
          id: 'http.floor.list',
          label: `bare fastify GET /jobs, fixed ${page.text.length} B page`,
          url: floor.url,
          paths: ['/jobs?size=20'],
          headers: {},
        },
        {
          id: 'http.list',
          label: `jobledger GET /jobs?size=20 (${listPaths.length} pages/filters)`,
          url,
          paths: listPaths,
          headers: asAlice,
        },
      ];
      // The cases take turns, round after round, and each keeps its best run: on a shared machine the load
      // changes from one run to the next, and a ratio of two runs made minutes apart would measure that.
      const best = new Map();
      for (let round = 0; round < config.httpRounds; round++) {
        for (const c of cases) {
          progress(
            `${SECTION}: ${c.label}, ${connections} connection${connections > 1 ? 's' : ''}, round ${round + 1}`,
          );
          try {
            const r = await loadOnce(c, connections, config, round === 0);
            const kept = best.get(c.id);
            if (kept === undefined || r.total / r.seconds > kept.total / kept.seconds) best.set(c.id, r);
          } catch (error) {
            report.fail(SECTION, `${c.label}, ${connections} connections`, error);
          }
        }
      }
      for (const c of cases)
        if (best.has(c.id)) reportLoad(report, c, connections, best.get(c.id), config.httpRounds);
      // Issue 18's targets at 16 connections: GET /jobs/{id} at least 0.7x the floor, GET /jobs?size=20 0.5x.
      for (const [what, ours, base, need] of [
        ['GET /jobs/{id}', 'http.get', 'http.floor.get', 0.7],
        ['GET /jobs?size=20', 'http.list', 'http.floor.list', 0.5],
      ]) {
        const a = v(`${ours}.${connections}`);
        const b = v(`${base}.${connections}`);
        const label = `jobledger ${what} / bare fastify floor, ${connections} connection${connections > 1 ? 's' : ''}`;
        if (connections === 16) {
          report.target({ id: `${ours}.16.vs.floor`, label, ours: a, baseline: b, need, unit: 'req/s' });
          continue;
        }
        if (a === undefined || b === undefined) continue;
        report.measure({
          section: SECTION,
          id: `${ours}.${connections}.vs.floor`,
          label,
          value: a / b,
          unit: 'x',
          detail: `${Math.round(a)} / ${Math.round(b)} req/s`,
        });
      }
    }

    try {
      progress(`${SECTION}: ${config.httpPolls} long polls answered by an agent's Completed`);
      await pollOnce(url, 30); // warm-up
      const samples = [];
      for (let i = 0; i < config.httpPolls; i++) samples.push(await pollOnce(url, 30));
      const fromAnswer = summarize(samples.map((s) => s.fromAnswer));
      const fromSend = summarize(samples.map((s) => s.fromSend));
      const put = summarize(samples.map((s) => s.put));
      report.measure({
        section: SECTION,
        id: 'http.poll',
        label: 'long poll: Completed PUT answered -> poll answered',
        value: fromAnswer.p50,
        unit: 'ms',
        p50: fromAnswer.p50,
        p99: fromAnswer.p99,
        fromSend,
        put,
        samples: fromAnswer.samples,
        detail:
          `p50; p99 ${fromAnswer.p99.toFixed(2)} ms, ${fromAnswer.samples} polls; from the PUT's send: ` +
          `p50 ${fromSend.p50.toFixed(2)} ms, p99 ${fromSend.p99.toFixed(2)} ms; the PUT itself p50 ${put.p50.toFixed(2)} ms`,
      });
    } catch (error) {
      report.fail(SECTION, 'long poll', error);
    }
  } catch (error) {
    report.fail(SECTION, 'http', error);
  } finally {
    try {
      await floor?.close();
      await server?.close();
      if (ledger) await ledger.close()();
    } catch (error) {
      report.fail(SECTION, 'close', error);
    }
    removeDir(dir);
  }
};
