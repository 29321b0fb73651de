import * as E from 'fp-ts/lib/Either.js';
import { memoryEventStore } from '../adapters/memory/memoryEventStore.js';
import { createJobLedger, type ExpiredLease, type JobLedger } from '../app/createJobLedger.js';
import type { JobLedgerSession } from '../app/JobLedgerSession.js';
import { wrongExpectedVersion, type EventStore } from '../domain/EventStore.js';
import type { Principal } from '../domain/principal.js';
import type { NewEvent, StoredEvent } from '../domain/storedEvent.js';
import { faultySession, type FaultSchedule, type FaultySession } from './faultSchedule.js';
import { virtualClock, type VirtualClock } from './virtualClock.js';

/** Options of {@link createTestLedger}. */
export interface TestLedgerOptions {
  /** `'virtual'` (the only kind so far): time moves only when the test calls `clock.advance(ms)`. */
  readonly clock?: 'virtual';
  /** Where virtual time starts (default 2026-01-01T00:00:00Z). */
  readonly startAt?: Date | string;
  /** The ledger's lease (default 60 000 ms of virtual time). */
  readonly leaseMs?: number;
  /** The store (default a fresh `memory:` store). Any store from `openStore` works. */
  readonly store?: EventStore;
}

/** A ledger in a simulated world: virtual time, deterministic ids, faults on demand. */
export interface TestLedger {
  readonly ledger: JobLedger;
  /** The clock the ledger reads; hand `clock.sleep` to code that waits. */
  readonly clock: VirtualClock;
  /** The store as the ledger sees it (with the test's fault injection in front). */
  readonly store: EventStore;
  readonly leaseMs: number;
  /** `ledger.as(principal)`. */
  as(principal: Principal): JobLedgerSession;
  /** `ledger.system`. */
  readonly system: JobLedgerSession;
  /** Runs `ledger.expireLeases` at the current virtual time; throws on a ledger error. */
  expireLeases(): Promise<readonly ExpiredLease[]>;
  /**
   * The next `n` appends fail with `WrongExpectedVersion`, as if another writer had won the race; the ledger
   * re-reads and retries (up to its `maxAttempts`).
   */
  failNextAppends(n?: number): void;
  /** A session of `principal` that suffers the faults of `schedule` (see `faultScheduleArb`). */
  withFaults(principal: Principal, schedule: FaultSchedule): FaultySession;
  /** Every stored event, in log order. */
  log(): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

/** Ids in uuid shape that count up: 00000000-0000-4000-8000-000000000001, ...2, ... */
const countingIds = (prefix: string): (() => string) => {
  let n = 0;
  return () => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
};

/** The store with deterministic event ids and conflicts on demand in front. */
const faultInjectingStore = (store: EventStore) => {
  let conflicts = 0;
  const eventIds = countingIds('e0000000');
  const withIds = (events: readonly NewEvent[]): NewEvent[] =>
    events.map((e) => (e.eventId === undefined ? { ...e, eventId: eventIds() } : e));
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'append') {
        const append: EventStore['append'] = (streamId, events, options) => {
          if (conflicts > 0) {
            conflicts--;
            const expected = options.expected;
            return async () =>
              E.left(
                wrongExpectedVersion(streamId, expected, typeof expected === 'number' ? expected + 1 : 0),
              );
          }
          return target.append(streamId, withIds(events), options);
        };
        return append;
      }
      // While a conflict is armed, the ledger must take its optimistic path (read, decide, append, retry).
      if (key === 'execute') {
        if (conflicts > 0 || target.execute === undefined) return undefined;
        const execute: NonNullable<EventStore['execute']> = (streamId, decider) =>
          target.execute!(streamId, (stream) => E.map(withIds)(decider(stream)));
        return execute;
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const failNextAppends = (n = 1) => {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`failNextAppends: n must be a whole number >= 0, got ${n}`);
    conflicts += n;
  };
  return { store: wrapped, failNextAppends };
};

/**
 * A ledger for tests of worker and service code: a memory store (or the one given), a virtual clock the test
 * advances, deterministic ids (jobs, statuses and events count up in uuid shape), no telemetry, and faults on
 * demand (`failNextAppends`, `withFaults`). Nothing in it sets a real timer.
 *
 * @example
 * const t = createTestLedger({ clock: 'virtual', leaseMs: 30_000 });
 * const alice = t.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
 * const job = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
 * await t.clock.advance(31_000);
 * await t.expireLeases(); // nothing was claimed: []
 * await t.close();
 */
export const createTestLedger = (options: TestLedgerOptions = {}): TestLedger => {
  if (options.clock !== undefined && options.clock !== 'virtual')
    throw new Error(`createTestLedger: clock must be 'virtual', got ${String(options.clock)}`);
  const clock = virtualClock(options.startAt);
  const leaseMs = options.leaseMs ?? 60_000;
  const injected = faultInjectingStore(options.store ?? memoryEventStore());
  const ledger = createJobLedger({
    store: injected.store,
    clock,
    ids: countingIds('00000000'),
    leaseMs,
    telemetry: false,
  });
  const t: TestLedger = {
    ledger,
    clock,
    store: injected.store,
    leaseMs,
    as: (principal) => ledger.as(principal),
    system: ledger.system,
    async expireLeases() {
      const r = await ledger.expireLeases(clock.now())();
      if (E.isLeft(r)) throw new Error(`expireLeases: ${r.left._tag}: ${r.left.message}`);
      return r.right;
    },
    failNextAppends: injected.failNextAppends,
    withFaults: (principal, schedule) => faultySession(t, principal, schedule),
    async log() {
      const events: StoredEvent[] = [];
      for await (const e of injected.store.readAll()) events.push(e);
      return events;
    },
    async close() {
      const r = await ledger.close()();
      if (E.isLeft(r)) throw new Error(`close: ${r.left._tag}: ${r.left.message}`);
    },
  };
  return t;
};
