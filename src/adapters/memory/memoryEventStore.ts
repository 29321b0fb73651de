import * as E from 'fp-ts/lib/Either.js';
import { JobError, type StoreError } from '../../domain/errors.js';
import { pagedEvents } from '../../domain/eventPages.js';
import {
  expectationHolds,
  wrongExpectedVersion,
  type AppendResult,
  type EventStore,
  type ExecuteOptions,
  type LeaseRenewal,
  type TransactionalDecider,
} from '../../domain/EventStore.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import type { ProjectedEventStore } from '../../projections/ReadModelStore.js';
import { emptyTip, sealEvents } from '../sealEvents.js';
import { deepFreeze } from './deepFreeze.js';
import { memoryReadModel } from './memoryReadModel.js';
import type { WithDefaultBlobStore } from '../../app/BlobStore.js';
import { memoryBlobStore } from '../blobs/memoryBlobStore.js';

/** Parses a memory position (a decimal count); undefined means "from the start". */
const parsePosition = (after: string | undefined): number => {
  if (after === undefined) return 0;
  const n = Number(after);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a memory-store position: ${after}`);
  return n;
};

/**
 * The event store in memory, for tests and property runs. Appends are atomic because nothing awaits between
 * the expectation check and the commit; the read model is updated in the same step (read-your-writes).
 *
 * @example
 * const store = memoryEventStore();
 * const ledger = createJobLedger({ store });
 */
export const memoryEventStore = (): ProjectedEventStore & WithDefaultBlobStore => {
  const all: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  // Renewed leases beside the streams (heartbeats append nothing): job stream id -> the last renewal.
  const leases = new Map<string, LeaseRenewal>();
  const readModel = memoryReadModel((jobId) => leases.get(`job-${jobId}`));
  let closed = false;
  let wake: (() => void) | undefined;
  let wakeUp = new Promise<void>((resolve) => (wake = resolve));

  const closedError = (): StoreError => JobError.store('the memory store is closed; open a new one');

  const eventIds = new Set<string>();

  /** Stores the events, or (an event id already stored, as the SQL stores refuse it) stores nothing. */
  const commit = (
    streamId: string,
    events: readonly Parameters<EventStore['append']>[1][number][],
  ): E.Either<StoreError, AppendResult> => {
    const stream = streams.get(streamId) ?? [];
    const last = stream[stream.length - 1];
    const tip = last === undefined ? emptyTip : { version: last.version, hash: last.metadata.hash };
    const base = all.length;
    const sealed = deepFreeze(sealEvents(streamId, tip, events, (i) => String(base + i + 1)));
    const ids = sealed.map((e) => e.eventId);
    const repeated = ids.find((id, i) => eventIds.has(id) || ids.indexOf(id) !== i);
    if (repeated !== undefined) {
      return E.left(
        JobError.store(
          `appending to ${streamId}: event id ${repeated} is already stored; give every event its own id (or none)`,
        ),
      );
    }
    for (const id of ids) eventIds.add(id);
    stream.push(...sealed);
    streams.set(streamId, stream);
    all.push(...sealed);
    readModel.applySync(sealed);
    const done = wake;
    wakeUp = new Promise<void>((resolve) => (wake = resolve));
    done?.();
    const tail = sealed[sealed.length - 1]!;
    return E.right({ nextVersion: tail.version + 1, position: tail.position, events: sealed });
  };

  const versionOf = (streamId: string): number => (streams.get(streamId)?.length ?? 0) - 1;

  const store: ProjectedEventStore & WithDefaultBlobStore = {
    description: 'memory:',
    defaultBlobStore: () => memoryBlobStore(),
    readModel,
    leases: {
      renew:
        (streamId, renewal, { expected }) =>
        async () => {
          if (closed) return E.left(closedError());
          const actual = versionOf(streamId);
          if (actual !== expected)
            return E.left(wrongExpectedVersion(streamId, expected, actual === -1 ? 'no-stream' : actual));
          leases.set(streamId, renewal);
          return E.right(undefined);
        },
      get: async (streamId) => leases.get(streamId),
    },
    append:
      (streamId, events, { expected }) =>
      async () => {
        if (closed) return E.left(closedError());
        const actual = versionOf(streamId);
        if (!expectationHolds(expected, actual)) {
          return E.left(wrongExpectedVersion(streamId, expected, actual === -1 ? 'no-stream' : actual));
        }
        if (events.length === 0) {
          return E.right({ nextVersion: actual + 1, position: String(all.length), events: [] });
        }
        return commit(streamId, events);
      },
    execute:
      <Err>(streamId: string, decider: TransactionalDecider<Err>, options: ExecuteOptions = {}) =>
      async (): Promise<E.Either<Err | StoreError, AppendResult>> => {
        if (closed) return E.left(closedError());
        const stream = streams.get(streamId) ?? [];
        // The read model is applied in the same synchronous step as each append: its state is exact here.
        const snapshot = options.fromSnapshot === true ? readModel.snapshotOf(streamId) : undefined;
        const lease = leases.get(streamId);
        const decided =
          snapshot === undefined
            ? decider(stream, undefined, lease)
            : decider(stream.slice(snapshot.version + 1), snapshot, lease);
        if (E.isLeft(decided)) return decided;
        if (decided.right.length === 0) {
          return E.right({ nextVersion: versionOf(streamId) + 1, position: String(all.length), events: [] });
        }
        return commit(streamId, decided.right);
      },
    async *readStream(streamId, options = {}) {
      if (closed) throw new Error(closedError().message);
      const from = options.from ?? 0;
      // Versions are dense from 0, so version v is at index v: reading the tail costs the tail, not the stream.
      for (const event of (streams.get(streamId) ?? []).slice(Math.max(0, from))) yield event;
    },
    readAll: (options = {}) =>
      pagedEvents(async function* () {
        if (closed) throw new Error(closedError().message);
        const end = all.length;
        const size = Math.max(1, options.batchSize ?? 500);
        for (let i = parsePosition(options.after); i < end; i += size)
          yield all.slice(i, Math.min(end, i + size));
      }),
    async *subscribe(options = {}) {
      let next = parsePosition(options.after);
      const signal = options.signal;
      const aborted = new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      while (!closed && !signal?.aborted) {
        while (next < all.length) {
          if (signal?.aborted) return;
          yield all[next++]!;
        }
        await Promise.race([wakeUp, aborted]);
      }
    },
    async close() {
      closed = true;
      wake?.();
    },
  };
  return store;
};
