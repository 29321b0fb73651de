import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionFeeder, type SubscriptionItem } from '../../../src/adapters/kurrentdb/projectionFeeder.js';
import {
  sqliteFeedReadModel,
  type SqliteFeedReadModel,
} from '../../../src/adapters/kurrentdb/sqliteFeedReadModel.js';
import { memoryReadModel } from '../../../src/adapters/memory/memoryReadModel.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { tempDatabases } from '../sqlite/tempDatabase.js';
import { compareKurrent, play, recordSubscription, type Recording } from './recording.js';

/** A read model file that counts the events each `apply` was given and the events that were new. */
const counted = (file: string) => {
  const readModel = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
  const applied: StoredEvent[][] = [];
  const wrapped: SqliteFeedReadModel = {
    ...readModel,
    apply: async (events) => {
      applied.push([...events]);
      await readModel.apply(events);
    },
  };
  return { readModel: wrapped, applied };
};

/** What the memory read model holds after `events` (the expected rows at a checkpoint). */
const memoryDumpOf = async (events: readonly StoredEvent[]) => {
  const memory = memoryReadModel();
  // The memory read model orders integer positions; number them again in order.
  await memory.apply(events.map((e, i) => ({ ...e, position: String(i + 1) })));
  return memory.dump();
};

/** A source the test pushes items into, ending when `end` is called. */
const pushSource = () => {
  const queue: SubscriptionItem[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  async function* items(): AsyncGenerator<SubscriptionItem> {
    for (;;) {
      if (queue.length > 0) yield queue.shift()!;
      else if (ended) return;
      else await new Promise<void>((r) => (wake = r));
    }
  }
  return {
    items: items(),
    push: (...more: SubscriptionItem[]) => {
      queue.push(...more);
      wake?.();
    },
    end: () => {
      ended = true;
      wake?.();
    },
  };
};

describe('projection feeder: a recorded KurrentDB subscription applied to a SQLite read model file', () => {
  const databases = tempDatabases();
  let recording: Recording;

  beforeAll(async () => {
    recording = await recordSubscription();
  });
  afterAll(() => databases.cleanup());

  it('the recording is realistic: ledger events, many jobs, positions that do not sort as strings', () => {
    expect(recording.events.length).toBeGreaterThan(350);
    expect(recording.memoryDump.jobs.length).toBe(62);
    const types = new Set(recording.events.map((e) => e.type));
    for (const type of ['JobCreated', 'JobStatusChanged', 'JobCommentAdded', 'JobArchived'])
      expect(types).toContain(type);
    const positions = recording.events.map((e) => e.position);
    expect([...positions].sort()).not.toEqual(positions);
    expect([...positions].sort(compareKurrent)).toEqual(positions);
  });

  it('applies everything in batches: the same rows as the memory store, the last position as checkpoint', async () => {
    const file = databases.file();
    const { readModel, applied } = counted(file);
    const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent, batchSize: 100 });
    const progress = await feeder.feed(play(recording.items, 40));
    expect(progress.events).toBe(recording.events.length);
    expect(progress.position).toBe(recording.lastPosition);
    // Batches: never more than 100, cut at checkpoints and when the source paused.
    expect(applied.length).toBe(progress.batches);
    expect(Math.max(...applied.map((b) => b.length))).toBeLessThanOrEqual(100);
    expect(applied.flat().map((e) => e.eventId)).toEqual(recording.events.map((e) => e.eventId));
    const dump = await readModel.dump();
    expect(dump.jobs).toEqual(recording.memoryDump.jobs);
    expect(dump.checkpoint).toBe(recording.lastPosition);
    await readModel.close();

    // The file holds it: opened again, the same dump.
    const again = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
    expect(await again.dump()).toEqual(dump);
    await again.close();
  });

  for (const resume of ['replays the whole recording', 'resubscribes from the checkpoint'] as const) {
    it(`stopped midway and restarted (the source ${resume}): the same rows, nothing applied twice`, async () => {
      const file = databases.file();
      const first = counted(file);
      const stop = new AbortController();
      const feeder = projectionFeeder({
        readModel: first.readModel,
        comparePositions: compareKurrent,
        batchSize: 37,
      });
      let delivered = 0;
      async function* untilStopped(): AsyncGenerator<SubscriptionItem> {
        for (const item of recording.items) {
          if (++delivered === 300) stop.abort();
          yield item;
        }
      }
      const progress1 = await feeder.feed(untilStopped(), stop.signal);
      await first.readModel.close();
      const firstEvents = first.applied.flat();
      expect(firstEvents.length).toBe(progress1.events);
      expect(progress1.events).toBeGreaterThan(100);
      expect(progress1.events).toBeLessThan(recording.events.length);

      // What the file holds at its checkpoint: exactly the rows of the events up to it (one transaction each).
      const reopened = counted(file);
      const checkpoint = (await reopened.readModel.checkpoint())!;
      expect(checkpoint).toBe(progress1.position);
      const upTo = recording.events.filter((e) => compareKurrent(e.position, checkpoint) <= 0);
      expect((await reopened.readModel.dump()).jobs).toEqual((await memoryDumpOf(upTo)).jobs);

      const feeder2 = projectionFeeder({ readModel: reopened.readModel, comparePositions: compareKurrent });
      const source =
        resume === 'replays the whole recording'
          ? recording.items
          : recording.items.filter(
              (i) => compareKurrent(i.kind === 'event' ? i.event.position : i.position, checkpoint) > 0,
            );
      const progress2 = await feeder2.feed(play(source, 64));
      const secondEvents = reopened.applied.flat();
      // Every event once, in order, over the two runs (a replayed event is not even handed to apply).
      expect([...firstEvents, ...secondEvents].map((e) => e.eventId)).toEqual(
        recording.events.map((e) => e.eventId),
      );
      expect(progress1.events + progress2.events).toBe(recording.events.length);
      const dump = await reopened.readModel.dump();
      expect(dump.jobs).toEqual(recording.memoryDump.jobs);
      expect(dump.checkpoint).toBe(recording.lastPosition);
      await reopened.readModel.close();
    });
  }

  it('apply skips events at or before the checkpoint even when handed them again (idempotent)', async () => {
    const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
    const events = recording.events;
    await readModel.apply(events.slice(0, 200));
    await readModel.apply(events.slice(150, 400));
    await readModel.apply(events.slice(0, 400));
    await readModel.apply(events.slice(390));
    const dump = await readModel.dump();
    expect(dump.jobs).toEqual(recording.memoryDump.jobs);
    expect(dump.checkpoint).toBe(events[events.length - 1]!.position);
    await readModel.close();
  });

  it('a checkpoint item past the last event is saved, so a restart starts there', async () => {
    const file = databases.file();
    const readModel = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
    const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent });
    const events = recording.events.slice(0, 10);
    await feeder.feed(
      play([
        ...events.map((event) => ({ kind: 'event' as const, event })),
        {
          kind: 'checkpoint',
          position: '99999999:99999999',
        },
      ]),
    );
    expect(await readModel.checkpoint()).toBe('99999999:99999999');
    expect((await readModel.dump()).jobs).toEqual((await memoryDumpOf(events)).jobs);
    // An older checkpoint never moves it back.
    await readModel.saveCheckpoint('1:1');
    expect(await readModel.checkpoint()).toBe('99999999:99999999');
    await readModel.close();
  });

  describe('waitForPosition (read your own writes)', () => {
    it('resolves once the position is applied, not before', async () => {
      const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
      const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent, batchSize: 1000 });
      const source = pushSource();
      const feeding = feeder.feed(source.items);
      const events = recording.events.slice(0, 60);
      const target = events[39]!;
      let resolved = false;
      const waiting = feeder.waitForPosition(target.position, { timeoutMs: 5000 }).then(() => {
        resolved = true;
      });
      source.push(...events.slice(0, 20).map((event) => ({ kind: 'event' as const, event })));
      await new Promise((r) => setTimeout(r, 30));
      expect(resolved).toBe(false);
      source.push(...events.slice(20, 60).map((event) => ({ kind: 'event' as const, event })));
      await waiting;
      // When it resolves, the read model answers with the job of that event.
      const jobId = target.streamId.slice('job-'.length);
      expect(await readModel.getJob(jobId)).toBeDefined();
      expect(await readModel.checkpoint()).toBe(events[59]!.position);
      // A position already applied resolves at once.
      await feeder.waitForPosition(events[3]!.position, { timeoutMs: 1 });
      source.end();
      await feeding;
      await readModel.close();
    });

    it('resolves at once after a restart for a position at or before the saved checkpoint', async () => {
      const file = databases.file();
      const readModel = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
      await readModel.apply(recording.events.slice(0, 30));
      await readModel.close();
      const reopened = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
      const feeder = projectionFeeder({ readModel: reopened, comparePositions: compareKurrent });
      await feeder.waitForPosition(recording.events[29]!.position, { timeoutMs: 1 });
      expect(await feeder.position()).toBe(recording.events[29]!.position);
      await reopened.close();
    });

    it('a checkpoint item at or past the position resolves it too', async () => {
      const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
      const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent });
      const source = pushSource();
      const feeding = feeder.feed(source.items);
      const waiting = feeder.waitForPosition('5000:5000', { timeoutMs: 5000 });
      source.push({ kind: 'checkpoint', position: '5000:5001' });
      await waiting;
      source.end();
      await feeding;
      await readModel.close();
    });

    it('times out saying where the read model is', async () => {
      const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
      const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent });
      await feeder.feed(play(recording.items.slice(0, 5)));
      const at = (await readModel.checkpoint())!;
      const started = Date.now();
      await expect(feeder.waitForPosition('88888888:88888888', { timeoutMs: 50 })).rejects.toThrow(
        `the read model did not reach position 88888888:88888888 within 50 ms (it is at ${at})`,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      await readModel.close();
    });
  });

  it('run: resubscribes from the saved checkpoint after the source fails, until aborted', async () => {
    const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
    const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent, batchSize: 50 });
    const stop = new AbortController();
    const froms: (string | undefined)[] = [];
    const errors: unknown[] = [];
    let attempt = 0;
    const running = feeder.run(
      (after, signal) =>
        (async function* () {
          froms.push(after);
          attempt++;
          const items = recording.items.filter(
            (i) =>
              after === undefined ||
              compareKurrent(i.kind === 'event' ? i.event.position : i.position, after) > 0,
          );
          let n = 0;
          for (const item of items) {
            // The first two subscriptions break off (a lost connection) after some items.
            if (attempt <= 2 && ++n === 120) throw new Error(`connection lost (${attempt})`);
            yield item;
          }
          // Then a live subscription: waits for more until aborted.
          await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        })(),
      { signal: stop.signal, retryDelayMs: 5, onError: (e) => errors.push(e) },
    );
    await feeder.waitForPosition(recording.lastPosition, { timeoutMs: 10_000 });
    stop.abort();
    await running;
    expect(errors.map((e) => (e as Error).message)).toEqual(['connection lost (1)', 'connection lost (2)']);
    expect(froms[0]).toBeUndefined();
    expect(froms).toHaveLength(3);
    // Each resubscription starts at the checkpoint the previous one saved.
    expect(compareKurrent(froms[2]!, froms[1]!)).toBeGreaterThan(0);
    const dump = await readModel.dump();
    expect(dump.jobs).toEqual(recording.memoryDump.jobs);
    expect(dump.checkpoint).toBe(recording.lastPosition);
    await readModel.close();
  });
});
