// Section: the remote client (`jobledger/client`) against `createHttpServer` on loopback.
//  - getJob and createJob through the client, at 1 and 16 concurrent callers, next to the same requests over raw
//    `fetch` (the floor: what HTTP itself costs) and the in-process session (what HTTP adds at all);
//  - target: the client reaches ≥ 0.8× the raw-fetch rate (its codecs, retries and keys cost little over HTTP).
// Server and callers share one process here (as an embedded client would); the ratio compares like with like.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { progress, removeDir, runConcurrent, tempDir } from '../lib/measure.mjs';
import { Missing, loadJobledger, need, repoRoot, right, smallestJob } from '../lib/ours.mjs';

const SECTION = 'client';
const token = 'bench-client-alice';
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };

const loadClient = async () => {
  try {
    return await import(pathToFileURL(path.join(repoRoot, 'dist', 'client.js')).href);
  } catch {
    throw new Missing('dist/client.js does not exist: run `npm run build` in the repository root');
  }
};

export const runClient = async (report, config) => {
  const dir = tempDir('client');
  let ledger;
  let server;
  let client;
  try {
    const mod = need(await loadJobledger(), 'createJobLedger', 'openStore', 'createHttpServer');
    const { createJobLedgerClient } = await loadClient();
    ledger = mod.createJobLedger({ store: mod.openStore(`sqlite:${path.join(dir, 'bench.db')}`) });
    server = mod.createHttpServer({ ledger, tokens: new Map([[token, alice]]) });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    client = createJobLedgerClient({ url, token, cacheDir: path.join(dir, 'cache') });
    const session = ledger.as(alice);
    const ids = [];
    for (let i = 0; i < 200; i++)
      ids.push(right(await session.createJob(smallestJob)(), 'seed createJob').id);
    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    const headers = { authorization: `Bearer ${token}` };
    const body = JSON.stringify(smallestJob);
    const ways = {
      getJob: {
        client: async () => (await client.getJob(pick())())._tag === 'Right',
        fetch: async () => {
          const res = await globalThis.fetch(`${url}/jobs/${pick()}`, { headers });
          await res.json();
          return res.status === 200;
        },
        inProcess: async () => (await session.getJob(pick())())._tag === 'Right',
      },
      createJob: {
        client: async () => (await client.createJob(smallestJob)())._tag === 'Right',
        fetch: async () => {
          const res = await globalThis.fetch(`${url}/jobs`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body,
          });
          await res.json();
          return res.status === 201;
        },
        inProcess: async () => (await session.createJob(smallestJob)())._tag === 'Right',
      },
    };
    // The ways take turns, round after round (each round in another order), and each way's median round counts:
    // on a shared machine, load that comes and goes then falls on every way alike.
    const rounds = Math.max(1, config.rounds ?? 3);
    for (const [call, byWay] of Object.entries(ways)) {
      for (const callers of [1, 16]) {
        const names = Object.keys(byWay);
        const runs = Object.fromEntries(names.map((way) => [way, []]));
        for (let round = 0; round < rounds; round++) {
          for (let i = 0; i < names.length; i++) {
            const way = names[(i + round) % names.length];
            progress(
              `${SECTION}: ${call} ${way}, ${callers} caller${callers > 1 ? 's' : ''}, round ${round + 1}`,
            );
            const r = await runConcurrent({
              callers,
              durationMs: config.durationMs,
              warmupMs: config.warmupMs,
              op: byWay[way],
            });
            if (r.errors > 0) throw new Error(`${call} ${way}: ${r.errors} failed (${r.firstError})`);
            runs[way].push(r);
          }
        }
        const rates = {};
        for (const way of names) {
          const sorted = [...runs[way]].sort((x, y) => x.perSecond - y.perSecond);
          const r = sorted[Math.floor(sorted.length / 2)];
          rates[way] = r.perSecond;
          report.measure({
            section: SECTION,
            id: `client.${call}.${way}.${callers}`,
            label: `${call} ${way === 'inProcess' ? 'in process' : way === 'fetch' ? 'raw fetch' : 'client'}, ${callers} caller${callers > 1 ? 's' : ''}`,
            value: r.perSecond,
            unit: 'ops/s',
            detail: `median of ${rounds} round${rounds > 1 ? 's' : ''}: ${r.ops} in ${r.seconds.toFixed(1)} s; ${((1000 / r.perSecond) * callers).toFixed(2)} ms per call`,
          });
        }
        report.target({
          id: `client.${call}.${callers}`,
          label: `${call} through the client vs raw fetch, ${callers} caller${callers > 1 ? 's' : ''}`,
          ours: rates.client,
          baseline: rates.fetch,
          need: 0.8,
        });
      }
    }
  } finally {
    await client?.close();
    await server?.close();
    await ledger?.close()();
    removeDir(dir);
  }
};
