import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import {
  eventHash,
  expectationHolds,
  JobError,
  wrongExpectedVersion,
  type EventStore,
  type NewEvent,
  type StoredEvent,
} from 'jobledger';

/**
 * "Your" event-store adapter for the store recipe: every event in one array, the simplest thing that keeps the
 * contract. Replace it with yours (a document database, a cloud log, ...). `expectsExistsLikeAny` is the
 * deliberately broken variant: it lets `expected: 'exists'` through on a missing stream (the bug DESIGN
 * section 6 says Emmett 0.42 has).
 */
export const arrayEventStore = (options: { expectsExistsLikeAny?: boolean } = {}): EventStore => {
  const all: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  let closed = false;
  let wake = () => {};
  let appended = new Promise<void>((resolve) => (wake = resolve));
  const after = (position: string | undefined) => (position === undefined ? 0 : Number(position));

  const seal = (streamId: string, tip: StoredEvent | undefined, e: NewEvent, i: number): StoredEvent => {
    const metadata = {
      recordedAt: e.metadata?.recordedAt ?? new Date().toISOString(),
      actor: e.metadata?.actor ?? { kind: 'system' as const, id: 'system' },
      ...(e.metadata?.correlationId !== undefined && { correlationId: e.metadata.correlationId }),
      ...(e.metadata?.causationId !== undefined && { causationId: e.metadata.causationId }),
      prevHash: tip?.metadata.hash ?? '',
    };
    const base = {
      eventId: e.eventId ?? randomUUID(),
      streamId,
      version: (tip?.version ?? -1) + 1,
      type: e.type,
      schemaVersion: e.schemaVersion ?? 1,
      data: e.data,
      metadata,
    };
    return {
      ...base,
      position: String(all.length + i + 1),
      metadata: { ...metadata, hash: eventHash(base) },
    };
  };

  return {
    description: 'array:',
    append:
      (streamId, events, { expected }) =>
      async () => {
        if (closed) return E.left(JobError.store('the array store is closed'));
        const stream = streams.get(streamId) ?? [];
        const actual = stream.length - 1;
        const holds =
          expectationHolds(expected, actual) || (options.expectsExistsLikeAny && expected === 'exists');
        if (!holds)
          return E.left(wrongExpectedVersion(streamId, expected, actual === -1 ? 'no-stream' : actual));
        const sealed: StoredEvent[] = [];
        events.forEach((e, i) => sealed.push(seal(streamId, sealed[i - 1] ?? stream.at(-1), e, i)));
        stream.push(...sealed);
        streams.set(streamId, stream);
        all.push(...sealed);
        const done = wake;
        appended = new Promise<void>((resolve) => (wake = resolve));
        done();
        const last = sealed.at(-1);
        return E.right({
          nextVersion: stream.length,
          position: last?.position ?? String(all.length),
          events: sealed,
        });
      },
    async *readStream(streamId, { from = 0 } = {}) {
      yield* (streams.get(streamId) ?? []).slice(from);
    },
    async *readAll({ after: position } = {}) {
      yield* all.slice(after(position));
    },
    async *subscribe({ after: position, signal } = {}) {
      let next = after(position);
      const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
      while (!signal?.aborted && !closed) {
        while (next < all.length) yield all[next++]!;
        await Promise.race([appended, aborted]);
      }
    },
    async close() {
      closed = true;
      wake();
    },
  };
};
