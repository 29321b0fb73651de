import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNoJobResponse, type JobLedgerSession } from '../../src/index.js';
import {
  createTestLedger,
  faultScheduleArb,
  isAgentCrash,
  virtualClock,
  type TestLedger,
} from '../../src/testing.js';

const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' } as const;
const agent = { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: [] } as const;

const right = async <T>(task: () => Promise<E.Either<{ _tag: string; message: string }, T>>): Promise<T> => {
  const r = await task();
  if (E.isLeft(r)) throw new Error(`${r.left._tag}: ${r.left.message}`);
  return r.right;
};

const newJob = (session: JobLedgerSession) =>
  right(session.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })).then((j) => j.id);

const statusOf = async (t: TestLedger, id: string) =>
  (await right(t.system.getJob(id))).statusHistory.at(-1)?.name;

describe('virtualClock', () => {
  it('wakes sleepers in deadline order, each at its own deadline, only when advanced', async () => {
    const clock = virtualClock('2026-01-01T00:00:00Z');
    const woke: string[] = [];
    const sleeper = (ms: number) =>
      clock.sleep(ms).then(() => woke.push(`${ms}@${clock.now().toISOString()}`));
    void sleeper(30_000);
    void sleeper(10_000);
    void sleeper(90_000);
    await clock.settle();
    expect(woke).toEqual([]);
    await clock.advance(60_000);
    expect(woke).toEqual(['10000@2026-01-01T00:00:10.000Z', '30000@2026-01-01T00:00:30.000Z']);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:01:00.000Z');
    expect(clock.sleepers()).toBe(1);
  });

  it('an aborted sleep rejects with the reason and leaves no sleeper; bad input is refused', async () => {
    const clock = virtualClock();
    const controller = new AbortController();
    const slept = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    expect(clock.sleepers()).toBe(0);
    await expect(clock.advance(-1)).rejects.toThrow(/finite number >= 0/);
    expect(() => virtualClock('not a date')).toThrow(/not a date/);
  });
});

describe('createTestLedger', () => {
  it('is deterministic: the same commands give the same log, ids and times included', async () => {
    const run = async () => {
      const t = createTestLedger({ clock: 'virtual' });
      const id = await newJob(t.as(alice));
      await t.clock.advance(5000);
      await right(t.as(agent).getJobForAgent());
      const log = await t.log();
      await t.close();
      return { id, log };
    };
    const [a, b] = [await run(), await run()];
    expect(a.id).toBe('00000000-0000-4000-8000-000000000001');
    expect(b).toEqual(a);
    expect(a.log.at(-1)?.metadata.recordedAt).toBe('2026-01-01T00:00:05.000Z');
  });

  it('refuses a clock it does not offer', () => {
    expect(() => createTestLedger({ clock: 'wall' as never })).toThrow(/clock must be 'virtual', got wall/);
  });

  it('leases run on virtual time: a claim expires only once the clock passed it', async () => {
    const t = createTestLedger({ clock: 'virtual', leaseMs: 30_000 });
    const id = await newJob(t.as(alice));
    await right(t.as(agent).getJobForAgent());
    await t.clock.advance(29_999);
    expect(await t.expireLeases()).toEqual([]);
    await t.clock.advance(1);
    expect(await t.expireLeases()).toMatchObject([{ jobId: id, from: 'Claimed', to: 'Pending' }]);
    await t.close();
  });

  it('failNextAppends: the ledger retries a lost race; past its attempts it appends nothing', async () => {
    const t = createTestLedger({ clock: 'virtual' });
    const id = await newJob(t.as(alice));
    t.failNextAppends(2);
    await right(t.as(alice).addComment(id, { content: 'after two lost races' }));
    const before = (await t.log()).length;
    t.failNextAppends(100);
    const r = await t.as(alice).addComment(id, { content: 'never' })();
    expect(E.isLeft(r) && r.left._tag).toBe('ConcurrencyConflict');
    expect((await t.log()).length).toBe(before);
    expect(() => t.failNextAppends(-1)).toThrow(/whole number >= 0/);
    await t.close();
  });
});

describe('withFaults', () => {
  it('cancel strikes the job the call is about; crash makes this and every later call reject', async () => {
    const t = createTestLedger({ clock: 'virtual' });
    const id = await newJob(t.as(alice));
    const faulty = t.withFaults(agent, [
      { atCall: 1, fault: { kind: 'cancel' } },
      { atCall: 2, fault: { kind: 'crash' } },
    ]);
    const claimed = await right(faulty.session.getJobForAgent());
    expect(!isNoJobResponse(claimed) && claimed.id).toBe(id);
    const running = await faulty.session.updateStatus(id, { status: 'Running' })();
    expect(E.isLeft(running) && running.left._tag).toBe('Conflict');
    expect(await statusOf(t, id)).toBe('Canceled');
    const crashed = await faulty.session
      .getJob(id)()
      .catch((e: unknown) => e);
    expect(isAgentCrash(crashed)).toBe(true);
    await expect(faulty.session.getJob(id)()).rejects.toThrow(/agent agent-1 crashed/);
    expect(faulty.crashed()).toBe(true);
    expect(faulty.applied().map((f) => f.fault.kind)).toEqual(['cancel', 'crash']);
    await t.close();
  });

  it('lease-expiry sweeps before the call: a running job goes Unknown and the late report is still taken', async () => {
    const t = createTestLedger({ clock: 'virtual', leaseMs: 10_000 });
    const id = await newJob(t.as(alice));
    const faulty = t.withFaults(agent, [{ atCall: 2, fault: { kind: 'lease-expiry' } }]);
    await right(faulty.session.getJobForAgent());
    await right(faulty.session.updateStatus(id, { status: 'Running' }));
    await right(faulty.session.updateStatus(id, { status: 'Completed' }));
    const names = (await right(t.system.getJob(id))).statusHistory.map((s) => s.name);
    expect(names).toEqual(['Created', 'Pending', 'Claimed', 'Running', 'Unknown', 'Completed']);
    await t.close();
  });
});

describe('faultScheduleArb', () => {
  it('draws faults of the kinds asked, before calls in range, in call order; late reports around the lease', () => {
    fc.assert(
      fc.property(
        faultScheduleArb({ maxCalls: 5, maxFaults: 3, kinds: ['late-report', 'cancel'], leaseMs: 1000 }),
        (s) => {
          expect(s.length).toBeLessThanOrEqual(3);
          expect(s.map((f) => f.atCall)).toEqual([...s.map((f) => f.atCall)].sort((a, b) => a - b));
          for (const { atCall, fault } of s) {
            expect(atCall).toBeGreaterThanOrEqual(0);
            expect(atCall).toBeLessThan(5);
            expect(['late-report', 'cancel']).toContain(fault.kind);
            if (fault.kind === 'late-report') expect([500, 1001, 2000]).toContain(fault.delayMs);
          }
        },
      ),
    );
    expect(() => faultScheduleArb({ kinds: [] })).toThrow(/at least one fault kind/);
  });
});
