import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealEvents } from '../../src/adapters/sealEvents.js';
import { verifyLedger, type VerifyThreadOptions } from '../../src/app/verifyLedger.js';
import { defaultVerifyThreads } from '../../src/app/verifyThreads.js';
import type { EventStore } from '../../src/domain/EventStore.js';
import type { NewEvent, StoredEvent } from '../../src/domain/storedEvent.js';
import {
  createUpcasterRegistry,
  defaultUpcasters,
  type UpcasterRegistry,
} from '../../src/domain/upcasters.js';
import { jobLogArb, toStoredEvents } from '../../src/testing/storedEvents.js';
import { validJobStreamArb } from '../../src/testing/arbitraries.js';
import { compiledPackage } from '../support/compiledPackage.js';

// verify on worker threads must give the very report verify on one thread gives: same problems, same order.
// The worker script only exists compiled, so these tests run the compiled package's worker.

beforeAll(() => compiledPackage.build(), 180_000);
const workerScript = () => pathToFileURL(join(compiledPackage.dist, 'app', 'verifyWorker.js'));

/** A store that only reads back a given log (all verify needs). */
const logStore = (log: readonly StoredEvent[]): EventStore =>
  ({
    async *readAll() {
      yield* log;
    },
  }) as unknown as EventStore;

const verifyWith = async (
  log: readonly StoredEvent[],
  options: VerifyThreadOptions,
  upcasters: UpcasterRegistry = defaultUpcasters,
) => {
  let threads = -1;
  const report = await verifyLedger(logStore(log), upcasters, undefined, undefined, {
    ...options,
    onThreads: (n) => (threads = n),
  });
  return { report, threads };
};

const onThreads = (threads: number): VerifyThreadOptions => ({
  threads,
  threadsAfter: 0,
  workerScript: workerScript(),
});

/** Damage done to one event of a log: what a corrupted row, a bad copy or a hand edit leaves. */
const damageArb = fc.oneof(
  // a changed member: the hash no longer matches
  fc.constant((e: StoredEvent): StoredEvent => ({
    ...e,
    data: { ...(e.data as object), statusId: 'edited' },
  })),
  // a version that skips
  fc.constant((e: StoredEvent): StoredEvent => ({ ...e, version: e.version + 2 })),
  // a stored hash that is not the event's
  fc.constant((e: StoredEvent): StoredEvent => ({ ...e, metadata: { ...e.metadata, hash: 'f'.repeat(64) } })),
  // an older schema version (upcast on the reading thread, decoded on the verify thread)
  fc.constant((e: StoredEvent): StoredEvent => ({ ...e, schemaVersion: 0 })),
  // a type nobody knows
  fc.constant((e: StoredEvent): StoredEvent => ({ ...e, type: 'JobTeleported' })),
);

/** A stream sealed with a malformed event in it (the chain is sound: only the decode can tell). */
const sealedMalformed = (jobId: string, at: number): StoredEvent[] => {
  const [recorded] = fc.sample(validJobStreamArb(), { numRuns: 1, seed: 7 });
  const events: NewEvent[] = toStoredEvents(recorded!, { jobId }).map((e) => ({
    eventId: e.eventId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: { recordedAt: e.metadata.recordedAt, actor: e.metadata.actor },
  }));
  events.splice(Math.min(at, events.length), 0, {
    type: 'JobStatusChanged',
    data: { from: 'Pending', to: 'Nowhere', statusId: 's-bad' },
    metadata: { recordedAt: '2026-01-01T00:00:00.000Z', actor: { kind: 'system', id: 'sys' } },
  });
  return sealEvents(`job-${jobId}`, { version: -1, hash: '' }, events, (i) => String(1000 + i));
};

// v0 of every event type is v1 wrapped in { v1: ... }: an upcaster that must run for the damage above.
const wrappedV0 = (() => {
  const registry = createUpcasterRegistry();
  for (const type of ['JobCreated', 'JobStatusChanged', 'JobCommentAdded', 'JobPropertiesUpdated'])
    registry.register(type, 0, (d) => (d as { v1?: unknown }).v1 ?? d);
  return registry;
})();

describe('verify on worker threads', () => {
  it('by default start only on machines of four cores or more (on two they cost CPU and gained no time)', () => {
    expect([1, 2, 3, 4, 8].map((cores) => defaultVerifyThreads(cores))).toEqual([0, 0, 0, 3, 7]);
  });

  it('reports exactly what one thread reports, for sound and damaged logs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        jobLogArb({ jobs: 6, maxSteps: 8 }),
        fc.array(fc.record({ at: fc.nat(), damage: damageArb }), { maxLength: 4 }),
        fc.boolean(),
        async (log, damages, withUpcasters) => {
          const damaged = [...log];
          for (const { at, damage } of damages)
            damaged[at % damaged.length] = damage(damaged[at % damaged.length]!);
          const upcasters = withUpcasters ? wrappedV0 : defaultUpcasters;
          const one = await verifyWith(damaged, { threads: 0 }, upcasters);
          const two = await verifyWith(damaged, onThreads(2), upcasters);
          expect(one.threads).toBe(0);
          expect(two.threads).toBe(2);
          expect(JSON.stringify(two.report)).toBe(JSON.stringify(one.report));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('still reports a malformed sealed event as a decode failure at its place', async () => {
    const log = [...sealedMalformed('j1', 2), ...sealedMalformed('j2', 1), ...sealedMalformed('j3', 3)];
    const one = await verifyWith(log, { threads: 0 });
    const two = await verifyWith(log, onThreads(1));
    expect(two.threads).toBe(1);
    expect(two.report).toEqual(one.report);
    const failures = one.report.problems.filter((p) => p.kind === 'decode-failure');
    const malformed = log.filter((e) => (e.data as { statusId?: string }).statusId === 's-bad');
    expect(malformed).toHaveLength(3);
    expect(failures.map((p) => [p.streamId, p.version])).toEqual(
      malformed.map((e) => [e.streamId, e.version]),
    );
    expect(failures[0]!.detail).toContain('data.to');
  }, 60_000);

  it('the compiled ledger starts its threads on a log past the threshold, with the same report', async () => {
    const dist = (await import(pathToFileURL(join(compiledPackage.dist, 'app', 'verifyLedger.js')).href)) as {
      verifyLedger: typeof verifyLedger;
    };
    const streams = fc.sample(validJobStreamArb(), { numRuns: 40, seed: 18 });
    const log: StoredEvent[] = [];
    for (let i = 0; log.length < 25_000; i++) {
      for (const e of toStoredEvents(streams[i % streams.length]!, {
        jobId: `j${i}`,
        firstPosition: log.length + 1,
      }))
        log.push(e);
    }
    log[12_345] = { ...log[12_345]!, version: 99 };
    log[23_456] = { ...log[23_456]!, data: { changed: true } };
    log.push(...sealedMalformed('late', 1)); // one problem alone in its stream, on a thread
    let threads = -1;
    const threaded = await dist.verifyLedger(logStore(log), defaultUpcasters, undefined, undefined, {
      threads: 2,
      onThreads: (n) => (threads = n),
    });
    const one = await verifyWith(log, { threads: 0 });
    expect(threads).toBe(2);
    expect(threaded.events).toBe(log.length);
    expect(threaded.problems.length).toBeGreaterThan(0);
    expect(JSON.stringify(threaded)).toBe(JSON.stringify(one.report));
  }, 120_000);
});
