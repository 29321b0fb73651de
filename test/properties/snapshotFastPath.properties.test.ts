import { fc, it } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect } from 'vitest';
import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import { sqliteEventStore } from '../../src/adapters/sqlite/sqliteEventStore.js';
import type { EventStore } from '../../src/domain/EventStore.js';
import { foldJobStream } from '../../src/domain/replay.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import { createUpcasterRegistry } from '../../src/domain/upcasters.js';
import { jobScenarioArb } from '../../src/testing/arbitraries.js';
import { testLedger } from '../app/support.js';
import { describePg, freshSchema, pgStores } from '../adapters/postgres/pgTestServer.js';
import { tempDatabases } from '../adapters/sqlite/tempDatabase.js';
import { runThroughLedger } from './scenarioDriver.js';

const JOB = 'job-fast';
const databases = tempDatabases();
afterAll(() => databases.cleanup());

/** The memory store without `execute`: commands load the read model's state and read the events after it. */
const optimisticStore = (): EventStore => {
  const inner = memoryEventStore();
  return new Proxy(inner, {
    get: (target, key) => (key === 'execute' ? undefined : Reflect.get(target, key)),
  });
};

const streamOf = async (store: EventStore): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  for await (const e of store.readStream(`job-${JOB}`)) events.push(e);
  return events;
};

/** What a stream says, without what differs per store (positions, event ids and with them the hashes). */
const facts = (events: readonly StoredEvent[]) =>
  events.map((e) => ({ version: e.version, type: e.type, data: e.data, actor: e.metadata.actor }));

type Ledger = ReturnType<typeof testLedger>;

/** Random scenarios where most steps come from the creator (an owner), so that most commands are accepted. */
const ownedScenarioArb = fc
  .tuple(jobScenarioArb(JOB, 40), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }))
  .map(([scenario, byCreator]) => ({
    ...scenario,
    steps: scenario.steps.map((step, i) =>
      byCreator[i] === true && step.principal.kind === 'user'
        ? { ...step, principal: scenario.creator }
        : step,
    ),
  }));

/**
 * Runs one scenario on the reference ledger (its own upcaster registry: every command folds the whole stream)
 * and on `fast`, step by step, and answers both outcomes per step.
 */
const runBoth = async (scenario: Parameters<typeof runThroughLedger>[2], fast: Ledger, full: Ledger) => {
  const outcomes: { fast: boolean[]; full: boolean[] } = { fast: [], full: [] };
  await runThroughLedger(full, JOB, scenario, (_s, accepted) => void outcomes.full.push(accepted));
  await runThroughLedger(fast, JOB, scenario, (_s, accepted) => void outcomes.fast.push(accepted));
  return outcomes;
};

describe('commands start from the read model snapshot (fast path) and agree with the full fold', () => {
  const stores: [string, () => EventStore, number][] = [
    ['memory, in-transaction', () => memoryEventStore(), 60],
    ['memory, optimistic (read model + tail)', optimisticStore, 60],
    ['sqlite, in-transaction', () => sqliteEventStore({ file: databases.file() }), 25],
  ];
  for (const [name, open, numRuns] of stores) {
    it.prop([ownedScenarioArb], { numRuns })(name, async (scenario) => {
      const full = testLedger(memoryEventStore(), { upcasters: createUpcasterRegistry() });
      const fast = testLedger(open());
      try {
        const outcomes = await runBoth(scenario, fast, full);
        expect(outcomes.fast).toEqual(outcomes.full);
        const fastStream = await streamOf(fast.store);
        expect(facts(fastStream)).toEqual(facts(await streamOf(full.store)));
        // The job as the fast path answers it is the fold of its whole stream.
        const live = await fast.ledger.system.getJob(JOB)();
        const folded = foldJobStream(fastStream);
        if (E.isLeft(live) || E.isLeft(folded)) throw new Error('the scenario lost its job');
        expect(live.right).toEqual(folded.right.job);
      } finally {
        await fast.ledger.close()();
        await full.ledger.close()();
      }
    });
  }

  it.prop([fc.integer({ min: 1, max: 30 })], { numRuns: 5 })(
    'a snapshot that lags (a read model fed asynchronously) still decides on the whole state',
    async (comments) => {
      // The optimistic path reads the events after whatever version the read model reached.
      const store = memoryEventStore();
      const t = testLedger(store);
      const created = await t.alice.createJob({
        id: JOB,
        function: { id: 'fn-1' },
        file: { name: 'p.json' },
      })();
      expect(E.isRight(created)).toBe(true);
      for (let i = 0; i < comments; i++) await t.alice.addComment(JOB, { content: `c${i}` })();
      const lagging = new Proxy(store, {
        get: (target, key) =>
          key === 'execute'
            ? undefined
            : key === 'readModel'
              ? new Proxy(target.readModel, {
                  get: (rm, k) =>
                    k === 'getJob'
                      ? async (id: string) => {
                          // The state after the first two events only.
                          const head = (await streamOf(target)).slice(0, 2);
                          const s = foldJobStream(head);
                          return E.isRight(s) && id === JOB ? s.right : undefined;
                        }
                      : Reflect.get(rm, k),
                })
              : Reflect.get(target, key),
      });
      let n = 0;
      const again = testLedger(lagging as EventStore, { ids: () => `again-${n++}` });
      const r = await again.alice.addComment(JOB, { content: 'last' })();
      expect(E.isRight(r)).toBe(true);
      const job = await t.ledger.system.getJob(JOB)();
      expect(E.isRight(job) && job.right.comments.map((c) => c.content)).toEqual([
        ...Array.from({ length: comments }, (_, i) => `c${i}`),
        'last',
      ]);
      // The append expected the true version: no gap, no fork.
      expect((await streamOf(store)).map((e) => e.version)).toEqual(
        Array.from({ length: comments + 3 }, (_, i) => i),
      );
    },
  );
});

describePg('postgres: commands start from the projected state of the stream view', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());
  it.prop([ownedScenarioArb], { numRuns: 8 })('agrees with the full fold', async (scenario) => {
    // One schema per run: the scenario's job id repeats.
    const fast = testLedger(stores.open(freshSchema('fastpath'), { poolSize: 2 }));
    const full = testLedger(memoryEventStore(), { upcasters: createUpcasterRegistry() });
    try {
      const outcomes = await runBoth(scenario, fast, full);
      expect(outcomes.fast).toEqual(outcomes.full);
      expect(facts(await streamOf(fast.store))).toEqual(facts(await streamOf(full.store)));
    } finally {
      await fast.ledger.close()();
      await full.ledger.close()();
    }
  });
});
