import { fc, it } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import type { EventStore } from '../../src/domain/EventStore.js';
import { isTerminalStatus, jobStatusNames } from '../../src/domain/JobStatusName.js';
import { foldJobStream } from '../../src/domain/replay.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import { agentArb, jobScenarioArb, principalArb, runScenario } from '../../src/testing/arbitraries.js';
import { countEvents, err, ok, smallJob, statuses, testLedger } from '../app/support.js';
import { runThroughLedger, sendThroughLedger } from './scenarioDriver.js';

const JOB = 'job-under-test';
const runs = { numRuns: 60 };

const readStream = async (store: EventStore, streamId: string) => {
  const events: StoredEvent[] = [];
  for await (const e of store.readStream(streamId)) events.push(e);
  return events;
};

/** The memory store without `execute`: commands take the read / decide / append-with-expected-version path. */
const optimisticStore = (): EventStore => {
  const inner = memoryEventStore();
  return new Proxy(inner, {
    get: (target, key) => (key === 'execute' ? undefined : Reflect.get(target, key)),
  });
};

describe('ledger properties', () => {
  it.prop([jobScenarioArb(JOB)], runs)(
    'replaying the stream equals the live job, and the pure decider agrees',
    async (scenario) => {
      const t = testLedger();
      await runThroughLedger(t, JOB, scenario);
      const live = await t.ledger.system.getJob(JOB)();
      const replayed = foldJobStream(await readStream(t.store, `job-${JOB}`));
      // Every scenario creates the job, so both sides must have it.
      if (E.isLeft(live)) throw new Error(`getJob: ${live.left._tag}: ${live.left.message}`);
      if (E.isLeft(replayed)) throw new Error(`replay: ${JSON.stringify(replayed.left)}`);
      expect(replayed.right.job).toEqual(live.right);
      const model = runScenario(scenario);
      expect(statuses(live.right)).toEqual(statuses(model.state.job!));
      expect(live.right.archiveStatusHistory.map((a) => a.name)).toEqual(
        model.state.job!.archiveStatusHistory.map((a) => a.name),
      );
      expect(live.right.comments.map((c) => c.content)).toEqual(
        model.state.job!.comments.map((c) => c.content),
      );
    },
  );

  it.prop([fc.array(jobScenarioArb(JOB, 12), { minLength: 1, maxLength: 5 })], { numRuns: 30 })(
    'rebuilt projections equal the incrementally kept ones',
    async (scenarios) => {
      const t = testLedger();
      for (const [i, s] of scenarios.entries())
        await runThroughLedger(t, `${JOB}-${i}`, { ...s, create: { ...s.create, jobId: `${JOB}-${i}` } });
      const readModel = (t.store as ReturnType<typeof memoryEventStore>).readModel;
      const incremental = await readModel.dump();
      await ok(t.ledger.rebuildProjections());
      expect(await readModel.dump()).toEqual(incremental);
    },
  );

  it.prop([jobScenarioArb(JOB)], runs)('a rejected command appends nothing', async (scenario) => {
    const t = testLedger();
    await sendThroughLedger(t, JOB, scenario.creator, scenario.create);
    for (const step of scenario.steps) {
      t.advance(step.advanceMs);
      const before = await countEvents(t.store);
      const r = await sendThroughLedger(t, JOB, step.principal, step.command);
      if (E.isLeft(r)) expect(await countEvents(t.store)).toBe(before);
    }
  });

  it.prop([jobScenarioArb(JOB), principalArb, fc.constantFrom(...jobStatusNames)], runs)(
    'terminal states absorb every status change',
    async (scenario, principal, to) => {
      const t = testLedger();
      await runThroughLedger(t, JOB, scenario);
      const job = await ok(t.ledger.system.getJob(JOB));
      const status = job.statusHistory.at(-1)!.name;
      fc.pre(isTerminalStatus(status));
      const before = await countEvents(t.store);
      expect(E.isLeft(await t.ledger.as(principal).updateStatus(JOB, { status: to })())).toBe(true);
      expect(E.isLeft(await t.ledger.system.updateStatus(JOB, { status: to })())).toBe(true);
      expect(await countEvents(t.store)).toBe(before);
    },
  );

  it.prop(
    [agentArb, agentArb, fc.constantFrom('Validating', 'Running', 'Failed', 'Pending', 'Unknown' as const)],
    runs,
  )('a stale agent is fenced after its claim was lost', async (a, b, report) => {
    fc.pre(a.id !== b.id);
    const t = testLedger();
    const stale = t.ledger.as({ ...a, tenantId: 't1', poolIds: [] });
    const fresh = t.ledger.as({ ...b, tenantId: 't1', poolIds: [] });
    const job = await ok(t.alice.createJob(smallJob));
    await ok(stale.getJobForAgent());
    t.advance(61_000);
    await ok(t.ledger.expireLeases());
    await ok(fresh.getJobForAgent());
    const before = await countEvents(t.store);
    expect(await err(stale.updateStatus(job.id, { status: report }))).toMatchObject({ _tag: 'Conflict' });
    expect(await err(stale.heartbeat(job.id))).toMatchObject({ _tag: 'Conflict' });
    expect(await countEvents(t.store)).toBe(before);
  });

  for (const [name, store] of [
    ['in-transaction claims', () => memoryEventStore()],
    ['optimistic claims (expected version)', optimisticStore],
  ] as const) {
    it.prop([fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 30 })], { numRuns: 25 })(
      `N agents racing for M jobs claim each exactly once (${name})`,
      async (agents, jobs) => {
        const t = testLedger(store());
        for (let i = 0; i < jobs; i++) await ok(t.alice.createJob(smallJob));
        const claimed: string[] = [];
        await Promise.all(
          Array.from({ length: agents }, async (_, i) => {
            const agent = t.ledger.as({ kind: 'agent', id: `racer-${i}`, tenantId: 't1' });
            for (;;) {
              const r = await ok(agent.getJobForAgent());
              if (!('id' in r)) return;
              claimed.push(r.id);
            }
          }),
        );
        expect(claimed).toHaveLength(jobs);
        expect(new Set(claimed).size).toBe(jobs);
        expect(await ok(t.ledger.verify())).toMatchObject({ ok: true });
      },
    );
  }
});
