import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryBlobStore } from '../../src/adapters/blobs/memoryBlobStore.js';
import { sqliteEventStore } from '../../src/adapters/sqlite/sqliteEventStore.js';
import { verifyLedger, type VerifyThreadOptions } from '../../src/app/verifyLedger.js';
import { defaultVerifyPartThreads } from '../../src/app/verifyThreads.js';
import { logPartitions } from '../../src/domain/eventPages.js';
import type { EventStore } from '../../src/domain/EventStore.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import { defaultUpcasters } from '../../src/domain/upcasters.js';
import { jobLogArb } from '../../src/testing/storedEvents.js';
import { tempDatabases } from '../adapters/sqlite/tempDatabase.js';
import { compiledPackage } from '../support/compiledPackage.js';

// verify in parts (each thread reads its own part of a SQLite log) must give the very report verify on one thread
// gives: same problems, same order. The worker script only exists compiled, so these tests run the compiled one.

beforeAll(() => compiledPackage.build(), 180_000);
const partWorkerScript = () => pathToFileURL(join(compiledPackage.dist, 'app', 'verifyPartWorker.js'));
const databases = tempDatabases();
afterAll(() => databases.cleanup());

/** A SQLite file holding `log` (appended event by event, in log order, so positions keep its order). */
const sqliteLog = async (log: readonly StoredEvent[]) => {
  const file = databases.file();
  const store = sqliteEventStore({ file });
  for (const e of log) {
    const appended = await store.append(
      e.streamId,
      [
        {
          eventId: e.eventId,
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: e.data,
          metadata: e.metadata,
        },
      ],
      { expected: e.version === 0 ? 'no-stream' : e.version - 1 },
    )();
    if (appended._tag !== 'Right') throw new Error(JSON.stringify(appended.left));
  }
  return { file, store };
};

/** Damage done to one stored row: what a corrupted row, a bad copy or a hand edit leaves. */
const damages = [
  "UPDATE events SET data = json_set(data, '$.edited', 1) WHERE position = ?",
  'UPDATE OR IGNORE events SET version = version + 1000 WHERE position = ?',
  `UPDATE events SET metadata = json_set(metadata, '$.hash', '${'f'.repeat(64)}') WHERE position = ?`,
  'UPDATE events SET schema_version = 0 WHERE position = ?',
  "UPDATE events SET type = 'JobTeleported' WHERE position = ?",
] as const;

const verifyWith = async (store: EventStore, options: VerifyThreadOptions) => {
  let threads = -1;
  const report = await verifyLedger(store, defaultUpcasters, undefined, memoryBlobStore(), {
    ...options,
    onThreads: (n) => (threads = n),
  });
  return { report, threads };
};

describe('verify in parts: each thread reads its own part of a SQLite log', () => {
  it('by default takes the cores but one (nothing is handed between threads)', () => {
    expect([1, 2, 4, 8].map((cores) => defaultVerifyPartThreads(cores))).toEqual([0, 1, 3, 7]);
  });

  it('a part holds whole streams, and the parts hold the log, each in log order', async () => {
    const manyStreams = jobLogArb({ jobs: 12, maxSteps: 6 }).filter(
      (log) => new Set(log.map((e) => e.streamId)).size >= 6,
    );
    const [log] = fc.sample(manyStreams, { numRuns: 1, seed: 42 });
    const { store } = await sqliteLog(log!);
    try {
      const whole: string[] = [];
      for await (const e of store.readAll()) whole.push(e.position);
      const partitions = logPartitions(store.readAll())!;
      expect(partitions.url).toMatch(/^sqlite:\//);
      expect(partitions.approximateEvents()).toBe(whole.length);
      for (const count of [1, 2, 3, 5]) {
        const seen = new Map<string, number>();
        const positions: string[] = [];
        for (let index = 0; index < count; index++) {
          const mine: number[] = [];
          for await (const page of partitions.read(count, index))
            for (const e of page) {
              expect(seen.get(e.streamId) ?? index).toBe(index);
              seen.set(e.streamId, index);
              mine.push(Number(e.position));
              positions.push(e.position);
            }
          expect(mine).toEqual([...mine].sort((a, b) => a - b));
        }
        expect(positions.sort((a, b) => Number(a) - Number(b))).toEqual(whole);
        if (count === 2) expect(new Set(seen.values()).size).toBe(2);
      }
      expect(() => partitions.read(2, 2)).toThrow(/not a part/);
      // Only the whole log offers parts.
      expect(logPartitions(store.readAll({ after: '1' }))).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('reports exactly what one thread reports, for sound and damaged logs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        jobLogArb({ jobs: 8, maxSteps: 6 }),
        fc.array(fc.record({ at: fc.nat(), damage: fc.constantFrom(...damages) }), { maxLength: 4 }),
        fc.constantFrom(1, 2),
        async (log, harm, threads) => {
          const { file, store } = await sqliteLog(log);
          try {
            const db = new Database(file);
            for (const { at, damage } of harm) db.prepare(damage).run((at % log.length) + 1);
            db.close();
            const one = await verifyWith(store, { threads: 0 });
            const parts = await verifyWith(store, {
              threads,
              threadsAfter: 0,
              partWorkerScript: partWorkerScript(),
            });
            expect(one.threads).toBe(0);
            expect(parts.threads).toBe(threads);
            expect(parts.report.events).toBe(log.length);
            expect(JSON.stringify(parts.report)).toBe(JSON.stringify(one.report));
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('the compiled verify reads a SQLite file in parts with its own worker script, with the same report', async () => {
    const compiled = async <T>(path: string): Promise<T> =>
      (await import(pathToFileURL(join(compiledPackage.dist, ...path.split('/'))).href)) as T;
    const { openStore } = await compiled<{ openStore: (url: string) => EventStore }>('index.js');
    const dv = await compiled<{ verifyLedger: typeof verifyLedger }>('app/verifyLedger.js');
    // The compiled module's own registry: parts run only with the default upcasters.
    const du = await compiled<{ defaultUpcasters: typeof defaultUpcasters }>('domain/upcasters.js');
    const [log] = fc.sample(jobLogArb({ jobs: 10, maxSteps: 6 }), { numRuns: 1, seed: 7 });
    const { file, store } = await sqliteLog(log!);
    await store.close();
    const db = new Database(file);
    db.prepare(damages[0]).run(3);
    db.close();
    const compiledStore = openStore(`sqlite:${file}`);
    try {
      const one = await dv.verifyLedger(compiledStore, du.defaultUpcasters, undefined, undefined, {
        threads: 0,
      });
      let threads = -1;
      // The default worker script, the one beside the compiled module; one thread (on any machine).
      const parts = await dv.verifyLedger(compiledStore, du.defaultUpcasters, undefined, undefined, {
        threads: 1,
        threadsAfter: 0,
        onThreads: (n) => (threads = n),
      });
      expect(threads).toBe(1);
      expect(one.problems.length).toBeGreaterThan(0);
      expect(JSON.stringify(parts)).toBe(JSON.stringify(one));
    } finally {
      await compiledStore.close();
    }
  }, 60_000);
});
