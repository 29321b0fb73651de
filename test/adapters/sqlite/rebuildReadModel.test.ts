import { afterAll, describe, expect, it } from 'vitest';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import type { ProjectionProgress } from '../../../src/projections/ReadModelStore.js';
import { jobCountDrift } from './jobCounts.js';
import { jobScenario, playScenario } from './jobScenario.js';
import { tempDatabases } from './tempDatabase.js';

const databases = tempDatabases();
afterAll(() => databases.cleanup());

describe('rebuildReadModel', () => {
  it('rebuilds exactly the incrementally maintained read model', async () => {
    const file = databases.file();
    const store = sqliteEventStore({ file, rebuildBatchSize: 64 });
    await playScenario(store, jobScenario(40, 11));
    const incremental = await store.readModel.dump();
    const seen: ProjectionProgress[] = [];
    const result = await store.rebuildReadModel((p) => seen.push(p));
    expect(await store.readModel.dump()).toEqual(incremental);
    expect(jobCountDrift(file)).toEqual([]);
    expect(result).toEqual({ events: Number(incremental.checkpoint), position: incremental.checkpoint });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.map((p) => p.events)).toEqual([...seen.map((p) => p.events)].sort((a, b) => a - b));
    await store.close();
  });

  it('resumes an interrupted rebuild where it stopped, taking in what was appended meanwhile', async () => {
    const file = databases.file();
    const store = sqliteEventStore({ file, rebuildBatchSize: 50 });
    const appends = jobScenario(40, 12);
    const half = Math.floor(appends.length / 2);
    await playScenario(store, appends.slice(0, half));
    // Damage the read model so that only a real rebuild brings it back.
    await store.readModel.reset();

    const before: ProjectionProgress[] = [];
    await expect(
      store.rebuildReadModel((p) => {
        before.push(p);
        if (before.length === 2) throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(before.map((p) => p.events)).toEqual([50, 100]);
    // While the rebuild is pending, appends leave the projection to it.
    await playScenario(store, appends.slice(half));
    await store.close();

    const reopened = sqliteEventStore({ file, rebuildBatchSize: 50 });
    const resumed: ProjectionProgress[] = [];
    await reopened.rebuildReadModel((p) => resumed.push(p));
    // It went on from the 100 events it had done, and counted every event of the log in the end.
    expect(resumed[0]!.events).toBeGreaterThan(100);
    expect(resumed[resumed.length - 1]!.events).toBe(appends.reduce((n, a) => n + a.events.length, 0));
    const rebuilt = await reopened.readModel.dump();
    await reopened.close();

    const reference = sqliteEventStore({ file: databases.file() });
    await playScenario(reference, appends);
    expect(rebuilt).toEqual(await reference.readModel.dump());
    await reference.close();
  });

  it('rebuilds an empty log to an empty read model', async () => {
    const store = sqliteEventStore({ file: databases.file() });
    expect(await store.rebuildReadModel()).toEqual({ events: 0, position: null });
    expect(await store.readModel.dump()).toEqual({ checkpoint: null, jobs: [] });
    await store.close();
  });
});
