import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { createWorker } from '../../../src/app/worker/createWorker.js';
import type { Worker, WorkerOptions } from '../../../src/app/worker/workerTypes.js';
import { createJobLedgerClient, type JobLedgerClientOptions } from '../../../src/client.js';
import { ok, statuses } from '../support.js';
import { next, smallJob } from './workerSupport.js';

// Workers whose session is the remote client, against a live serve over a SQLite file on loopback.
const dir = mkdtempSync(join(tmpdir(), 'jobledger-remote-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tokens = new Map<string, TokenPrincipal>([
  ['alice-token', { kind: 'user', id: 'u-alice', tenantId: 't1' }],
  ...[1, 2, 3].map((n): [string, TokenPrincipal] => [
    `agent-${n}-token`,
    { kind: 'agent', id: `agent-${n}`, tenantId: 't1' },
  ]),
]);

/** A serve over the SQLite file `name` on `port` (0: a free one); stopped after the test unless stopped before. */
const serve = async (name: string, port = 0) => {
  const ledger = createJobLedger({ store: openStore(`sqlite:${join(dir, name)}`) });
  const server = createHttpServer({ ledger, tokens });
  const url = await server.listen({ port, host: '127.0.0.1' });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await ledger.close()();
  };
  cleanups.push(stop);
  return { url, ledger, stop };
};

const clientOf = (url: string, token: string, extra: Partial<JobLedgerClientOptions> = {}) => {
  const client = createJobLedgerClient({ url, token, cacheDir: join(dir, 'cache'), ...extra });
  cleanups.push(() => client.close());
  return client;
};

const workerOf = (options: WorkerOptions): Worker => {
  const worker = createWorker(options);
  cleanups.push(() => worker.stop()); // stopped before its client closes and its server stops
  return worker;
};

/** Resolves once `workers` have completed `n` jobs between them. */
const completedAll = (workers: Worker[], n: number) =>
  new Promise<void>((resolve) => {
    let completed = 0;
    for (const w of workers) w.on('completed', () => ++completed === n && resolve());
  });

describe('createWorker over the remote client', () => {
  it('N workers x M jobs over HTTP: each Completed once, results uploaded and readable, verify ok', async () => {
    const s = await serve('many.db');
    const alice = clientOf(s.url, 'alice-token');
    const jobs = 12;
    const ids = new Set<string>();
    for (let i = 0; i < jobs; i++)
      ids.add(
        (await ok(alice.createJob({ ...smallJob, file: { name: `p${i}.json`, content: `{"n":${i}}` } }))).id,
      );
    const ran = new Map<string, number>();
    const workers = [1, 2, 3].map((n) => {
      const agent = clientOf(s.url, `agent-${n}-token`);
      return workerOf({
        // No connect() first: the worker needs no principal up front (the server checks the token's kind).
        session: agent,
        concurrency: 2,
        handler: async (job, ctx) => {
          ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
          const params = (await ok(agent.readJson(job.id))) as { n: number };
          await ctx.uploadResult(JSON.stringify({ doubled: params.n * 2, by: `agent-${n}` }), {
            name: 'result.json',
            mime: 'application/json',
          });
          return { message: `done by agent-${n}` };
        },
      });
    });
    const allDone = completedAll(workers, jobs);
    for (const w of workers) w.start();
    await allDone;
    await Promise.all(workers.map((w) => w.stop()));
    expect([...ran.keys()].sort()).toEqual([...ids].sort());
    expect([...ran.values()]).toEqual(Array(jobs).fill(1));
    for (const id of ids) {
      const job = await ok(alice.getJob(id));
      expect(statuses(job).slice(-5)).toEqual(['Pending', 'Claimed', 'Running', 'Uploading', 'Completed']);
      const n = Number(/^p(\d+)\.json$/.exec(job.file.revisions[0]!.name!)![1]);
      expect(await ok(alice.readJson(id))).toEqual({ doubled: n * 2, by: job.agentId });
    }
    expect(workers.reduce((sum, w) => sum + w.stats().completed, 0)).toBe(jobs);
    expect((await ok(s.ledger.verify())).ok).toBe(true);
  });

  it('a client whose token is a user’s: one Forbidden error at the first claim, nothing claimed', async () => {
    const s = await serve('user.db');
    const alice = clientOf(s.url, 'alice-token');
    const job = await ok(alice.createJob(smallJob));
    const worker = workerOf({ session: alice, concurrency: 2, handler: async () => {} });
    const errors: string[] = [];
    worker.on('error', (error) => errors.push(`${(error as { _tag?: string })._tag}: ${error.message}`));
    const refused = next(worker, 'error');
    worker.start();
    await refused;
    await worker.stop();
    expect(errors[0]).toMatch(/^Forbidden: /);
    expect(worker.stats()).toMatchObject({ claimed: 0, running: 0 });
    expect(statuses(await ok(alice.getJob(job.id))).at(-1)).toBe('Pending');
  });

  it('a worker waiting in a long claim (POST /agent/job?wait_s=) is woken when a job is created', async () => {
    const s = await serve('wake.db');
    const claims: string[] = [];
    let claimSent: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (claimSent = resolve));
    const agent = clientOf(s.url, 'agent-1-token', {
      fetch: (input, init) => {
        const url = new URL(String(input instanceof Request ? input.url : input));
        if (url.pathname === '/agent/job') {
          claims.push(url.search);
          claimSent();
        }
        return fetch(input, init);
      },
    });
    const worker = workerOf({ session: agent, claimWaitMs: 60_000, handler: async () => {} }).start();
    await waiting;
    const claimed = next(worker, 'claimed');
    const created = Date.now();
    const job = await ok(clientOf(s.url, 'alice-token').createJob(smallJob));
    const [got] = (await claimed) as [{ id: string }];
    expect(got.id).toBe(job.id);
    expect(Date.now() - created).toBeLessThan(5_000); // generous: the latency itself is the bench's
    // The job came through the one waiting request, not a second ask.
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatch(/^\?wait_s=\d+$/);
  });

  it('a server restart under a remote worker: one error for the outage, then it reconnects and finishes, no duplicates', async () => {
    const first = await serve('restart.db');
    const port = Number(new URL(first.url).port);
    const alice = clientOf(first.url, 'alice-token', { retry: { attempts: 40, baseMs: 20, maxMs: 100 } });
    // The worker's client gives up quickly, so the outage reaches the worker (which backs off on its own).
    const agent = clientOf(first.url, 'agent-1-token', { retry: { attempts: 2, baseMs: 10, maxMs: 20 } });
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let gatedStarted: () => void = () => {};
    const gatedRunning = new Promise<void>((resolve) => (gatedStarted = resolve));
    const gated = await ok(alice.createJob({ ...smallJob, function: { id: 'fn-slow' } }));
    const ran = new Map<string, number>();
    const worker = workerOf({
      session: agent,
      concurrency: 2,
      backoff: { initialMs: 20, maxMs: 200 },
      handler: async (job) => {
        ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
        if (job.id === gated.id) {
          gatedStarted();
          await gate; // in flight across the restart
        }
      },
    });
    const errors: string[] = [];
    worker.on('error', (error) => errors.push(error.message));
    const before = completedAll([worker], 1);
    worker.start();
    await gatedRunning;
    await ok(alice.createJob(smallJob));
    await before;

    const outage = next(worker, 'error');
    await first.stop();
    await outage;
    const recovered = once(worker, 'recovered');
    const second = await serve('restart.db', port);
    const after = completedAll([worker], 4);
    openGate();
    for (let i = 0; i < 3; i++) await ok(alice.createJob(smallJob));
    // `recovered` comes with the first claim the restarted server answers (a job, or the wait running out).
    await Promise.all([recovered, after]);
    await worker.stop();

    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(first.url);
    expect(ran.size).toBe(5);
    expect([...ran.values()]).toEqual(Array(5).fill(1));
    for (const id of ran.keys())
      expect(statuses(await ok(alice.getJob(id))).slice(-4)).toEqual([
        'Pending',
        'Claimed',
        'Running',
        'Completed',
      ]);
    expect(worker.stats()).toMatchObject({ claimed: 5, completed: 5, failed: 0, leaseLost: 0 });
    expect((await ok(second.ledger.verify())).ok).toBe(true);
  });
  it('a cancel after a server restart still reaches the running handler (the cancel watch outlives the outage)', async () => {
    const first = await serve('cancel.db');
    const port = Number(new URL(first.url).port);
    const alice = clientOf(first.url, 'alice-token', { retry: { attempts: 40, baseMs: 20, maxMs: 100 } });
    let watchAsked: () => void = () => {};
    const watching = new Promise<void>((resolve) => (watchAsked = resolve));
    const agent = clientOf(first.url, 'agent-1-token', {
      retry: { attempts: 2, baseMs: 10, maxMs: 20 },
      fetch: (input, init) => {
        if (String(input instanceof Request ? input.url : input).includes('/poll?')) watchAsked();
        return fetch(input, init);
      },
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const aborted: unknown[] = [];
    const worker = workerOf({
      session: agent,
      concurrency: 2, // a free slot claims, and so meets the outage
      backoff: { initialMs: 20, maxMs: 200 },
      handler: (_job, ctx) =>
        new Promise<void>((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.push(ctx.signal.reason);
            reject(new Error('aborted'));
          });
          started();
        }),
    });
    const outage = next(worker, 'error');
    const job = await ok(alice.createJob(smallJob));
    worker.start();
    await running;
    await watching; // the cancel watch is waiting on GET /jobs/{id}/poll: the outage cuts it
    await first.stop();
    await outage;
    await serve('cancel.db', port);
    const canceled = next(worker, 'canceled');
    await ok(alice.cancelJob(job.id));
    await canceled; // heartbeats come every 20 s: only the watch can tell this soon
    expect(aborted).toEqual(['canceled']);
    expect(statuses(await ok(alice.getJob(job.id))).at(-1)).toBe('Canceled');
    expect(worker.stats()).toMatchObject({ canceled: 1, completed: 0, failed: 0 });
  });
});
