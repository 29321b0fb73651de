import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { overriding } from '../../../src/app/telemetry/tracedEventStore.js';
import { jobStatusNames } from '../../../src/domain/JobStatusName.js';
import { err, ok, smallJob, testLedger } from '../support.js';
import { telemetryHarness } from './telemetryHarness.js';

const otel = telemetryHarness();
const dir = mkdtempSync(join(tmpdir(), 'jobledger-telemetry-'));
afterAll(async () => {
  await otel.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const commandSpans = (type: string) =>
  otel.spans
    .getFinishedSpans()
    .filter((s) => s.name === 'jobledger.command' && s.attributes['jobledger.command.type'] === type);
const childrenOf = (parent: ReadableSpan) =>
  otel.spans.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('telemetry of a job lifecycle (SQLite file, a registered SDK with in-memory exporters)', () => {
  const t = testLedger(openStore(`sqlite:${join(dir, 'ledger.db')}`), { telemetry: otel.telemetry });
  let jobId = '';

  it('a command is a jobledger.command span under the caller’s span, with its store append inside', async () => {
    const job = await otel.tracer.startActiveSpan('caller', async (caller) => {
      try {
        return await ok(t.alice.createJob({ ...smallJob, assignedAgentPoolId: 'pool-a' }));
      } finally {
        caller.end();
      }
    });
    jobId = job.id;
    const caller = (await otel.finished()).find((s) => s.name === 'caller')!;
    const [command] = await commandSpans('createJob');
    expect(command!.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(command!.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(command!.attributes).toMatchObject({
      'jobledger.job.id': job.id,
      'jobledger.store.kind': 'sqlite',
      'jobledger.outcome': 'ok',
      'jobledger.command.retries': 0,
      'jobledger.status.from': 'Created',
      'jobledger.status.to': 'Pending',
    });
    const appends = (await childrenOf(command!)).filter((s) => s.name === 'jobledger.store.append');
    expect(appends).toHaveLength(1);
    expect(appends[0]!.attributes).toMatchObject({
      'jobledger.stream.id': `job-${job.id}`,
      'jobledger.events': 2,
      'jobledger.outcome': 'ok',
    });
  });

  it('claims, status changes and a rejected command carry their from, to and outcome', async () => {
    t.advance(2_500);
    await ok(t.agent.getJobForAgent());
    await ok(t.agent.updateStatus(jobId, { status: 'Running' }));
    await ok(t.agent.updateStatus(jobId, { status: 'Completed' }));
    expect(await err(t.agent.updateStatus(jobId, { status: 'Running' }))).toMatchObject({ _tag: 'Conflict' });

    expect((await commandSpans('getJobForAgent'))[0]!.attributes).toMatchObject({
      'jobledger.job.id': jobId,
      'jobledger.status.from': 'Pending',
      'jobledger.status.to': 'Claimed',
      'jobledger.principal.kind': 'agent',
    });
    const updates = await commandSpans('updateStatus');
    expect(
      updates.map((s) => [s.attributes['jobledger.status.to'], s.attributes['jobledger.outcome']]),
    ).toEqual([
      ['Running', 'ok'],
      ['Completed', 'ok'],
      [undefined, 'Conflict'],
    ]);
    expect(updates[1]!.attributes['jobledger.status.from']).toBe('Running');
    expect(updates[2]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(updates[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('counts commands by outcome, appends in a latency histogram, and a claim with its latency by pool', async () => {
    const m = await otel.collect();
    const commands = m.get('jobledger.commands');
    expect(otel.sum(commands, { command: 'updateStatus', outcome: 'ok' })).toBe(2);
    expect(otel.sum(commands, { command: 'updateStatus', outcome: 'Conflict' })).toBe(1);
    expect(otel.sum(commands, { command: 'createJob', outcome: 'ok' })).toBe(1);
    const appendPoints = otel.points(m.get('jobledger.store.append.duration'), {
      store: 'sqlite',
      outcome: 'ok',
    });
    expect(appendPoints.map((p) => (p.value as { count: number }).count)).toEqual([4]);
    expect(otel.sum(m.get('jobledger.claims'), { pool: 'pool-a' })).toBe(1);
    const [latency] = otel.points(m.get('jobledger.claim.latency'), { pool: 'pool-a' });
    // The test clock moved 2.5 s between the job's creation and its claim.
    expect(latency!.value).toMatchObject({ count: 1, sum: 2.5 });
  });

  it('the jobs gauge per status matches listJobs totals, and per pool the jobs not over', async () => {
    await ok(t.alice.createJob({ ...smallJob, assignedAgentPoolId: 'pool-a' }));
    await ok(t.bob.createJob(smallJob));
    await ok(t.mallory.createJob(smallJob));
    const m = await otel.collect();
    for (const status of jobStatusNames) {
      const total = (await ok(t.ledger.system.listJobs({ status, size: 1 }))).total;
      expect([status, otel.sum(m.get('jobledger.jobs'), { status })]).toEqual([status, total]);
    }
    expect(otel.sum(m.get('jobledger.jobs'), { status: 'Pending' })).toBe(3);
    expect(otel.sum(m.get('jobledger.pool.jobs'), { pool: 'pool-a', status: 'Pending' })).toBe(1);
    expect(otel.points(m.get('jobledger.pool.jobs'), { status: 'Completed' })).toEqual([]);
  });

  it('a lease that runs out counts by where the job went', async () => {
    const job = await ok(t.agent.getJobForAgent());
    expect('id' in job).toBe(true);
    t.advance(61_000);
    const expired = await ok(t.ledger.expireLeases());
    expect(expired.map((e) => e.to)).toEqual(['Pending']);
    const m = await otel.collect();
    expect(otel.sum(m.get('jobledger.lease.expiries'), { to: 'Pending' })).toBe(1);
    expect(otel.sum(m.get('jobledger.lease.expiries'), { to: 'Unknown' })).toBe(0);
  });

  it('a waiting pollJob shows in the poll waiters until it resolves', async () => {
    const job = await ok(t.alice.createJob(smallJob));
    const waiting = t.alice.pollJob(job.id, { timeoutMs: 10_000 })();
    await expect.poll(async () => otel.sum((await otel.collect()).get('jobledger.poll.waiters'))).toBe(1);
    await ok(t.alice.cancelJob(job.id));
    expect(await waiting).toMatchObject({ right: 'Canceled' });
    expect(otel.sum((await otel.collect()).get('jobledger.poll.waiters'))).toBe(0);
  });

  it('stream reads are jobledger.store.read spans with the number of events read', async () => {
    const events = await ok(t.alice.history(jobId));
    const reads = (await otel.finished()).filter(
      (s) =>
        s.name === 'jobledger.store.read' &&
        s.attributes['jobledger.stream.id'] === `job-${jobId}` &&
        s.attributes['jobledger.events'] === events.length,
    );
    expect(reads.length).toBeGreaterThan(0);
    await t.ledger.close()();
  });
});

describe('telemetry where commands race (read, decide, append with the expected version)', () => {
  it('a lost race counts as a concurrency conflict and as a retry of its command', async () => {
    // A memory store without `execute` takes the path a KurrentDB store takes: appends that can lose a race.
    const store = overriding(memoryEventStore(), { execute: undefined });
    const t = testLedger(store, { telemetry: otel.telemetry });
    const job = await ok(t.alice.createJob(smallJob));
    otel.spans.reset();
    await Promise.all([1, 2, 3].map((n) => ok(t.alice.addComment(job.id, { content: `comment ${n}` }))));
    const retries = (await commandSpans('addComment')).map(
      (s) => s.attributes['jobledger.command.retries'] as number,
    );
    expect(retries).toHaveLength(3);
    expect(retries.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const m = await otel.collect();
    expect(otel.sum(m.get('jobledger.store.concurrency_conflicts'), { store: 'memory' })).toBe(
      retries.reduce((a, b) => a + b, 0),
    );
    expect(
      otel.points(m.get('jobledger.store.append.duration'), {
        store: 'memory',
        outcome: 'WrongExpectedVersion',
      }),
    ).not.toEqual([]);
    await t.ledger.close()();
  });

  it('telemetry: false leaves the store and sessions as they are', async () => {
    const t = testLedger(undefined, { telemetry: false });
    otel.spans.reset();
    await ok(t.alice.createJob(smallJob));
    expect(t.ledger.store).toBe(t.store);
    expect(await otel.finished()).toEqual([]);
  });

  it('with no SDK registered and none given, the ledger wraps nothing (the no-op costs nothing)', async () => {
    const t = testLedger();
    await ok(t.alice.createJob(smallJob));
    expect(t.ledger.store).toBe(t.store);
    // The same ledger given a provider is wrapped: the check above can fail.
    const traced = testLedger(undefined, { telemetry: { tracerProvider: otel.telemetry.tracerProvider } });
    expect(traced.ledger.store).not.toBe(traced.store);
  });
});
