import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, ExpectedVersion } from '../domain/EventStore.js';
import { hashMatches } from '../domain/hashChain.js';
import type { NewEvent, StoredEvent } from '../domain/storedEvent.js';
import { eventPages } from '../domain/eventPages.js';

/** Options of {@link eventStoreContract}. */
export interface EventStoreContractOptions {
  /** Writers in the many-writers test (default 16). */
  readonly writers?: number;
  /** Events each writer appends in the many-writers test (default 25). */
  readonly eventsPerWriter?: number;
}

const ev = (n: number, type = 'TestEvent'): NewEvent => ({ type, data: { n } });
const batch = (count: number, from = 0): NewEvent[] => Array.from({ length: count }, (_, i) => ev(from + i));

const collect = async <T = StoredEvent>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const e of it) out.push(e);
  return out;
};

let streamCounter = 0;
const freshStream = (prefix = 'contract'): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(streamCounter++).toString(36)}`;

/**
 * The event-store contract (DESIGN section 6) as a vitest suite. Every adapter must pass it; run it on your own
 * adapter too.
 *
 * @example
 * // test/myStore.contract.test.ts
 * import { eventStoreContract } from 'jobledger/testing';
 * eventStoreContract('my store', async () => openMyStore());
 */
export const eventStoreContract = (
  name: string,
  open: () => Promise<EventStore> | EventStore,
  options: EventStoreContractOptions = {},
): void => {
  describe(`event-store contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const append = (streamId: string, events: NewEvent[], expected: ExpectedVersion) =>
      store.append(streamId, events, { expected })();

    const expectWrong = async (
      streamId: string,
      events: NewEvent[],
      expected: ExpectedVersion,
      actual: number | 'no-stream',
    ) => {
      const result = await append(streamId, events, expected);
      expect(E.isLeft(result), `append with expected ${String(expected)} should fail`).toBe(true);
      if (E.isLeft(result)) {
        expect(result.left._tag).toBe('WrongExpectedVersion');
        expect(result.left).toMatchObject({ streamId, expected, actual });
      }
    };

    describe('expected versions', () => {
      it("'no-stream' creates a stream with versions from 0", async () => {
        const s = freshStream();
        const r = await append(s, batch(3), 'no-stream');
        expect(r).toMatchObject({ _tag: 'Right', right: { nextVersion: 3 } });
        const events = await collect(store.readStream(s));
        expect(events.map((e) => e.version)).toEqual([0, 1, 2]);
        expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2]);
      });

      it("'no-stream' on an existing stream fails with the true actual version", async () => {
        const s = freshStream();
        await append(s, batch(2), 'no-stream');
        await expectWrong(s, batch(1), 'no-stream', 1);
      });

      it("'exists' on a missing stream fails with actual 'no-stream'", async () => {
        await expectWrong(freshStream(), batch(1), 'exists', 'no-stream');
      });

      it("'exists' on an existing stream appends", async () => {
        const s = freshStream();
        await append(s, batch(1), 'no-stream');
        expect(await append(s, batch(1, 1), 'exists')).toMatchObject({
          _tag: 'Right',
          right: { nextVersion: 2 },
        });
      });

      it("'any' appends to missing and existing streams", async () => {
        const s = freshStream();
        expect(E.isRight(await append(s, batch(1), 'any'))).toBe(true);
        expect(await append(s, batch(1, 1), 'any')).toMatchObject({
          _tag: 'Right',
          right: { nextVersion: 2 },
        });
      });

      it('an exact version appends only at that version and reports the actual one otherwise', async () => {
        const s = freshStream();
        await append(s, batch(2), 'no-stream');
        await expectWrong(s, batch(1), 0, 1);
        await expectWrong(s, batch(1), 5, 1);
        expect(await append(s, batch(1, 2), 1)).toMatchObject({ _tag: 'Right', right: { nextVersion: 3 } });
      });

      it("an exact version on a missing stream fails with actual 'no-stream'", async () => {
        await expectWrong(freshStream(), batch(1), 0, 'no-stream');
      });
    });

    describe('atomicity', () => {
      it('a failed batch appends nothing, anywhere', async () => {
        const s = freshStream();
        await append(s, batch(2), 'no-stream');
        const before = (await collect(store.readAll())).length;
        await expectWrong(s, batch(5, 10), 0, 1);
        expect(await collect(store.readStream(s))).toHaveLength(2);
        expect((await collect(store.readAll())).length).toBe(before);
      });

      it('a conflict leaves the stream usable: the next append at the true version succeeds, no gap', async () => {
        const s = freshStream();
        await append(s, batch(1), 'no-stream');
        await expectWrong(s, batch(1), 7, 0);
        expect(await append(s, batch(2, 1), 0)).toMatchObject({ _tag: 'Right', right: { nextVersion: 3 } });
        expect((await collect(store.readStream(s))).map((e) => e.version)).toEqual([0, 1, 2]);
      });

      it('concurrent appends in one process are isolated: failures neither roll back nor commit others', async () => {
        const streams = Array.from({ length: 12 }, () => freshStream());
        await Promise.all(streams.map((s) => append(s, batch(1), 'no-stream')));
        // Even-numbered appends expect the true version, odd ones a wrong one.
        const results = await Promise.all(streams.map((s, i) => append(s, batch(3, 1), i % 2 === 0 ? 0 : 9)));
        results.forEach((r, i) => expect(E.isRight(r), `stream ${i}`).toBe(i % 2 === 0));
        const lengths = await Promise.all(
          streams.map(async (s) => (await collect(store.readStream(s))).length),
        );
        expect(lengths).toEqual(streams.map((_, i) => (i % 2 === 0 ? 4 : 1)));
      });

      it('concurrent writers on one stream: exactly one wins each version', async () => {
        const s = freshStream();
        await append(s, batch(1), 'no-stream');
        for (let round = 0; round < 3; round++) {
          const results = await Promise.all(Array.from({ length: 8 }, (_, w) => append(s, [ev(w)], round)));
          expect(results.filter(E.isRight)).toHaveLength(1);
          for (const r of results.filter(E.isLeft)) expect(r.left).toMatchObject({ actual: round + 1 });
        }
        expect((await collect(store.readStream(s))).map((e) => e.version)).toEqual([0, 1, 2, 3]);
      });
    });

    describe('stored events', () => {
      it('carry ids, string positions, metadata and a valid hash chain', async () => {
        const s = freshStream();
        // A new id per run: a store that keeps its events between runs (a server) refuses a repeated id.
        const eventId = randomUUID();
        await append(
          s,
          [
            {
              eventId,
              type: 'A',
              data: { x: 1 },
              metadata: { actor: { kind: 'user', id: 'u1' }, recordedAt: '2026-01-02T03:04:05.000Z' },
            },
            { type: 'B', schemaVersion: 2, data: { y: [1, 2] } },
          ],
          'no-stream',
        );
        const [a, b] = await collect(store.readStream(s));
        expect(a).toMatchObject({
          eventId,
          streamId: s,
          version: 0,
          type: 'A',
          schemaVersion: 1,
          data: { x: 1 },
          metadata: {
            actor: { kind: 'user', id: 'u1' },
            recordedAt: '2026-01-02T03:04:05.000Z',
            prevHash: '',
          },
        });
        expect(b).toMatchObject({ version: 1, type: 'B', schemaVersion: 2, data: { y: [1, 2] } });
        expect(typeof a!.position).toBe('string');
        expect(b!.eventId).toMatch(/^[0-9a-f-]{36}$/);
        expect(b!.metadata.prevHash).toBe(a!.metadata.hash);
        expect(hashMatches(a!) && hashMatches(b!)).toBe(true);
      });

      it('readStream reads from a version; a missing stream reads empty', async () => {
        const s = freshStream();
        await append(s, batch(5), 'no-stream');
        expect((await collect(store.readStream(s, { from: 3 }))).map((e) => e.version)).toEqual([3, 4]);
        expect(await collect(store.readStream(freshStream()))).toEqual([]);
      });

      it('readAll is in global order and resumes after any position it gave', async () => {
        const a = freshStream();
        const b = freshStream();
        await append(a, batch(2), 'no-stream');
        await append(b, batch(2), 'no-stream');
        await append(a, batch(1, 2), 1);
        const all = await collect(store.readAll({ batchSize: 2 }));
        const ours = all.filter((e) => e.streamId === a || e.streamId === b);
        expect(ours.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.version}`)).toEqual([
          'a0',
          'a1',
          'b0',
          'b1',
          'a2',
        ]);
        const resumed = await collect(store.readAll({ after: ours[1]!.position, batchSize: 1 }));
        expect(resumed.filter((e) => e.streamId === a || e.streamId === b).map((e) => e.eventId)).toEqual(
          ours.slice(2).map((e) => e.eventId),
        );
      });

      it('readAll a page at a time (eventPages) gives its events, in pages of at most batchSize', async () => {
        await append(freshStream(), batch(3), 'no-stream');
        await append(freshStream(), batch(2), 'no-stream');
        for (const batchSize of [1, 2, 3, 500]) {
          const pages = await collect(eventPages(store.readAll({ batchSize }), batchSize));
          expect(pages.every((page) => page.length >= 1 && page.length <= batchSize)).toBe(true);
          expect(pages.flat()).toEqual(await collect(store.readAll({ batchSize })));
        }
        const all = await collect(store.readAll());
        const after = all[all.length - 3]!.position;
        expect((await collect(eventPages(store.readAll({ after, batchSize: 2 }), 2))).flat()).toEqual(
          await collect(store.readAll({ after })),
        );
      });
    });

    describe('subscribe', () => {
      it('catches up, then follows live appends, and stops on abort', async () => {
        const s = freshStream();
        await append(s, batch(2), 'no-stream');
        const start = (await collect(store.readStream(s)))[0]!.position;
        const controller = new AbortController();
        const seen: StoredEvent[] = [];
        const done = (async () => {
          for await (const e of store.subscribe({ after: start, signal: controller.signal })) {
            if (e.streamId === s) seen.push(e);
            if (seen.length === 3) controller.abort();
          }
        })();
        await append(s, batch(2, 2), 1);
        await Promise.race([
          done,
          new Promise((_, rej) => setTimeout(() => rej(new Error('subscriber stalled')), 10_000)),
        ]);
        expect(seen.map((e) => e.version)).toEqual([1, 2, 3]);
      }, 15_000);

      it('many concurrent writers on many streams: a live subscriber sees every event exactly once, in stream order', async () => {
        const writers = options.writers ?? 16;
        const perWriter = options.eventsPerWriter ?? 25;
        const tag = freshStream('swarm');
        const controller = new AbortController();
        const seen = new Map<string, number[]>();
        let count = 0;
        const expected = writers * perWriter;
        const subscriber = (async () => {
          for await (const e of store.subscribe({ signal: controller.signal })) {
            if (!e.streamId.startsWith(tag)) continue;
            const versions = seen.get(e.streamId) ?? [];
            versions.push(e.version);
            seen.set(e.streamId, versions);
            if (++count === expected) controller.abort();
          }
        })();
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const s = `${tag}-${w}`;
            for (let i = 0; i < perWriter; i++) {
              const r = await append(s, [ev(i)], i === 0 ? 'no-stream' : i - 1);
              if (E.isLeft(r)) throw new Error(`writer ${w} failed: ${r.left.message}`);
            }
          }),
        );
        const timer = setTimeout(() => controller.abort(), 20_000);
        await subscriber;
        clearTimeout(timer);
        expect(count).toBe(expected);
        for (let w = 0; w < writers; w++) {
          expect(seen.get(`${tag}-${w}`)).toEqual(Array.from({ length: perWriter }, (_, i) => i));
        }
      }, 60_000);
    });
  });
};
