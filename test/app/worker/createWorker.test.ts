import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createWorker } from '../../../src/app/worker/createWorker.js';
import { WorkerOptionsError } from '../../../src/app/worker/workerOptions.js';
import type { WorkerContext } from '../../../src/app/worker/workerTypes.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { ok, statuses, testLedger } from '../support.js';
import { agentOf, next, smallJob, sqliteLedger, stopAfterTest, userOf } from './workerSupport.js';

describe('createWorker on SQLite in process', () => {
  it('N workers x M jobs: every job Completed exactly once, every history legal', async () => {
    const ledger = sqliteLedger();
    const alice = userOf(ledger);
    const jobs = 24;
    for (let i = 0; i < jobs; i++) await ok(alice.createJob(smallJob));
    const ran = new Map<string, number>();
    const workers = [1, 2, 3].map((n) =>
      stopAfterTest(
        createWorker({
          session: agentOf(ledger, `agent-${n}`),
          concurrency: 2,
          handler: async (job) => {
            ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
            return { message: `done by agent-${n}` };
          },
        }),
      ),
    );
    let completed = 0;
    const allDone = new Promise<void>((resolve) => {
      for (const w of workers) w.on('completed', () => ++completed === jobs && resolve());
    });
    for (const w of workers) w.start();
    await allDone;
    await Promise.all(workers.map((w) => w.stop()));
    expect([...ran.values()]).toEqual(Array(jobs).fill(1));
    const page = await ok(alice.listJobs({ size: 100, status: 'Completed' } as never));
    expect(page.total).toBe(jobs);
    for (const job of page.items)
      expect(statuses(job).slice(-4)).toEqual(['Pending', 'Claimed', 'Running', 'Completed']);
    expect(workers.reduce((n, w) => n + w.stats().completed, 0)).toBe(jobs);
    const report = await ok(ledger.verify());
    expect(report.ok).toBe(true);
  });

  it('a job created while a worker waits (60 s) is claimed at once: woken by the feed, not a timer', async () => {
    const ledger = sqliteLedger();
    const worker = stopAfterTest(
      createWorker({ session: agentOf(ledger), claimWaitMs: 60_000, handler: async () => {} }),
    ).start();
    // Let the worker's claim find nothing and start waiting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const created = Date.now();
    const claimed = next(worker, 'claimed');
    await ok(userOf(ledger).createJob(smallJob));
    await claimed;
    expect(Date.now() - created).toBeLessThan(1000);
  });

  it('a handler that throws fails the job with its message, not its stack', async () => {
    const ledger = sqliteLedger();
    const job = await ok(userOf(ledger).createJob(smallJob));
    const worker = stopAfterTest(
      createWorker({
        session: agentOf(ledger),
        handler: async () => {
          throw new Error('the model ran out of memory');
        },
      }),
    ).start();
    const [failed, message] = await next(worker, 'failed');
    expect(message).toBe('the model ran out of memory');
    const after = await ok(userOf(ledger).getJob(job.id));
    expect(statuses(after).at(-1)).toBe('Failed');
    expect(after.statusHistory.at(-1)?.message).toBe('the model ran out of memory');
    expect((failed as { id: string }).id).toBe(job.id);
  });

  it('validate: ctx.release gives the job back to Pending, a throw fails it', async () => {
    const ledger = sqliteLedger();
    const alice = userOf(ledger);
    const keep = await ok(alice.createJob({ ...smallJob, function: { id: 'fn-keep' } }));
    const worker = stopAfterTest(
      createWorker({
        session: agentOf(ledger),
        functionIds: ['fn-keep'],
        validate: (_job, ctx) => ctx.release('not my kind of job'),
        handler: async () => {},
      }),
    ).start();
    const [, message] = await next(worker, 'released');
    await worker.stop();
    expect(message).toBe('not my kind of job');
    expect(statuses(await ok(alice.getJob(keep.id))).slice(-3)).toEqual(['Claimed', 'Validating', 'Pending']);
  });

  it('uploadResult moves the job to Uploading and adds the result as a file revision', async () => {
    const ledger = sqliteLedger();
    const alice = userOf(ledger);
    const job = await ok(alice.createJob(smallJob));
    const worker = stopAfterTest(
      createWorker({
        session: agentOf(ledger),
        handler: async (_job, ctx) => {
          await ctx.uploadResult('{"answer":42}', { name: 'result.json' });
        },
      }),
    ).start();
    await next(worker, 'completed');
    expect(statuses(await ok(alice.getJob(job.id))).slice(-3)).toEqual(['Running', 'Uploading', 'Completed']);
    expect(await ok(alice.readJson(job.id))).toEqual({ answer: 42 });
  });

  it('a job canceled while its handler runs: the handler is aborted within 1 s, nothing more is written', async () => {
    const ledger = sqliteLedger();
    const alice = userOf(ledger);
    const job = await ok(alice.createJob(smallJob));
    let abortedAt = 0;
    const running = new Promise<void>((started) => {
      stopAfterTest(
        createWorker({
          session: agentOf(ledger),
          heartbeatEveryMs: 60_000,
          handler: (_job, ctx) =>
            new Promise((resolve) => {
              started();
              ctx.signal.addEventListener('abort', () => {
                abortedAt = Date.now();
                resolve();
              });
            }),
        }),
      ).start();
    });
    await running;
    const canceledAt = Date.now();
    await ok(alice.cancelJob(job.id, { message: 'not needed any more' }));
    await expect.poll(() => abortedAt, { timeout: 2000, interval: 20 }).toBeGreaterThan(0);
    expect(abortedAt - canceledAt).toBeLessThan(1000);
    const history = await ok(alice.history(job.id));
    expect(history.at(-1)?.type).toBe('JobStatusChanged');
    expect(statuses(await ok(alice.getJob(job.id))).at(-1)).toBe('Canceled');
  });

  it('the lease expires while the handler hangs: leaseLost, the job goes Unknown, the worker writes nothing more', async () => {
    const { ledger, alice, agent, advance } = testLedger(memoryEventStore());
    const job = await ok(alice.createJob(smallJob));
    let release: () => void = () => {};
    let context: WorkerContext | undefined;
    const worker = stopAfterTest(
      createWorker({
        session: agent,
        heartbeatEveryMs: 3_600_000, // the test renews by hand, after the expiry, to avoid a race with the clock
        shutdownGraceMs: 100,
        handler: (_job, ctx) =>
          new Promise<void>((resolve) => {
            context = ctx;
            release = resolve; // hangs: ignores its signal until the test lets it go
          }),
      }),
    ).start();
    await expect.poll(() => context).toBeDefined();
    const lost = next(worker, 'leaseLost');
    const expired = await ok(ledger.expireLeases(advance(61_000)));
    expect(expired).toMatchObject([{ jobId: job.id, to: 'Unknown' }]);
    await expect(context!.heartbeat()).rejects.toMatchObject({ error: { _tag: 'Conflict' } });
    expect(context!.signal.aborted).toBe(true);
    const before = (await ok(alice.history(job.id))).length;
    release();
    const [, reason, error] = await lost;
    expect(reason).toBe('lease-lost');
    expect(error).toMatchObject({ _tag: 'Conflict' });
    await worker.stop();
    expect((await ok(alice.history(job.id))).length).toBe(before);
    expect(statuses(await ok(alice.getJob(job.id))).at(-1)).toBe('Unknown');
    expect(worker.stats()).toMatchObject({ leaseLost: 1, completed: 0 });
  });

  it('stop() past the grace aborts a handler that ignores its signal and still resolves', async () => {
    const ledger = sqliteLedger();
    await ok(userOf(ledger).createJob(smallJob));
    const worker = createWorker({
      session: agentOf(ledger),
      shutdownGraceMs: 50,
      abortedHandlerWaitMs: 50,
      handler: () => new Promise(() => {}),
    });
    const claimed = next(worker, 'claimed');
    worker.start();
    await claimed;
    await worker.stop();
    await worker.done;
    expect(worker.stats().state).toBe('stopped');
  });

  it('stop() past the grace gives back a job still in validation (Validating -> Pending)', async () => {
    const ledger = sqliteLedger();
    const job = await ok(userOf(ledger).createJob(smallJob));
    const worker = createWorker({
      session: agentOf(ledger),
      shutdownGraceMs: 20,
      validate: (_job, ctx) =>
        new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve())),
      handler: async () => {
        throw new Error('never runs');
      },
    });
    const claimed = next(worker, 'claimed');
    worker.start();
    await claimed;
    await expect
      .poll(async () => statuses(await ok(userOf(ledger).getJob(job.id))).at(-1))
      .toBe('Validating');
    await worker.stop();
    expect(statuses(await ok(userOf(ledger).getJob(job.id))).slice(-2)).toEqual(['Validating', 'Pending']);
    expect(worker.stats()).toMatchObject({ released: 1, failed: 0 });
  });

  it('invalid options: a ValidationError naming each option, before anything is claimed', async () => {
    const { alice, agent } = testLedger();
    const attempt = (options: object) => {
      try {
        createWorker(options as never);
      } catch (error) {
        expect(error).toBeInstanceOf(WorkerOptionsError);
        return (error as WorkerOptionsError).error;
      }
      throw new Error('createWorker accepted invalid options');
    };
    const handler = async () => {};
    expect(attempt({ session: agent, handler, concurrency: 0 }).issues.map((i) => i.path)).toEqual([
      'options.concurrency',
    ]);
    expect(attempt({ session: agent, handler, shutdownGraceMs: -1 }).issues[0]?.path).toBe(
      'options.shutdownGraceMs',
    );
    expect(attempt({ session: agent }).issues[0]?.path).toBe('options.handler');
    const userSession = attempt({ session: alice, handler });
    expect(userSession).toMatchObject({ _tag: 'ValidationError' });
    expect(userSession.issues[0]?.path).toBe('options.session');
  });

  it('an outage: in-flight work goes on, claims back off, one error event per outage', async () => {
    const { agent, alice } = testLedger();
    let down = true;
    const flaky = {
      ...agent,
      getJobForAgent: ((input?: Parameters<typeof agent.getJobForAgent>[0]) => async () =>
        down
          ? E.left({ _tag: 'StoreError' as const, message: 'connection refused' })
          : agent.getJobForAgent(input)()) as typeof agent.getJobForAgent,
    };
    const worker = stopAfterTest(
      createWorker({ session: flaky, backoff: { initialMs: 5, maxMs: 20 }, handler: async () => {} }),
    );
    const errors: unknown[] = [];
    worker.on('error', (e) => errors.push(e));
    worker.start();
    await expect.poll(() => worker.stats().errors, { timeout: 3000 }).toBeGreaterThan(3);
    expect(errors).toHaveLength(1);
    down = false;
    await ok(alice.createJob(smallJob));
    await next(worker, 'completed');
    expect(errors).toHaveLength(1);
  });
});
