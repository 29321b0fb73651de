import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Kurrent from '@kurrent/kurrentdb-client';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  KurrentDBClient,
  Position,
  ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import * as E from 'fp-ts/lib/Either.js';
import { JobError, type StoreError } from '../../domain/errors.js';
import {
  expectationHolds,
  wrongExpectedVersion,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type WrongExpectedVersion,
} from '../../domain/EventStore.js';
import type { NewEvent, StoredEvent } from '../../domain/storedEvent.js';
import { emptyTip, sealEvents, type StreamTip } from '../sealEvents.js';
import { fromKurrentRecordedEvent, kurrentEventIdOf, toKurrentEventData } from './kurrentdbEvents.js';
import { toKurrentStreamState } from './kurrentdbExpected.js';
import {
  compareKurrentPositions,
  formatKurrentPosition,
  parseKurrentPosition,
  type KurrentPosition,
} from './kurrentdbPosition.js';
import { redactKurrentdbUrl } from './kurrentdbUrl.js';
import { fromKurrentWrongExpectedVersion } from './kurrentdbWrongExpectedVersion.js';
import { missingPackage } from '../optionalPackage.js';
import { readableItems, type CancellableReadable } from './subscriptionItems.js';
import type { SubscriptionItem } from './projectionFeeder.js';

/** The official client, an optional peer dependency of jobledger. */
export const kurrentClientPackage = '@kurrent/kurrentdb-client';

/** Options of {@link kurrentdbEventStore}. */
export interface KurrentdbEventStoreOptions {
  /** What `KurrentDBClient.connectionString` gets (`kurrentdb://host:2113?tls=false`). */
  readonly connectionString: string;
  /** For messages; default: the connection string without credentials. */
  readonly description?: string;
  /**
   * The stream-name prefixes readAll and subscribe read (a server-side filter on `$all`). Default `['job-']`,
   * the ledger's streams. Within them, only events this store wrote (jobledger metadata) are answered.
   */
  readonly streamPrefixes?: readonly string[];
  /** Events per read in readAll and readStream when the caller gives no batchSize (default 500). */
  readonly batchSize?: number;
  /**
   * How often an append with expected `'any'` or `'exists'` re-reads the stream's tip after losing a race
   * (default 20): such appends still write at an exact revision, because the hash chain needs the tip.
   */
  readonly maxChainRetries?: number;
}

/** The KurrentDB event store: the port plus what a projection feeder needs. */
export interface KurrentdbEventStore extends EventStore {
  /**
   * The filtered `$all` catch-up subscription after `after`, as events and `checkpoint` items (the server's
   * checkpoints of the filtered scan, in order with the events: every event up to that position was delivered
   * before). Ends when `signal` aborts or the store closes; throws when the connection fails.
   */
  subscribeItems(options?: {
    readonly after?: string;
    readonly signal?: AbortSignal;
  }): AsyncIterable<SubscriptionItem>;
  /** The position of the latest event this store object appended, for read-your-own-writes. */
  lastAppendedPosition(): string | undefined;
  /** Compares two positions of this store: negative when `a` comes first. */
  comparePositions(a: string, b: string): number;
}

// The client (gRPC, protobuf, a native bridge: ~30 MB installed) is an optional peer dependency, loaded when a
// KurrentDB store is opened: programs that never open one neither install it nor pay for loading it.
const loadClient = (): typeof Kurrent => {
  try {
    return createRequire(import.meta.url)(kurrentClientPackage) as typeof Kurrent;
  } catch (error) {
    throw missingPackage(kurrentClientPackage, { purpose: 'a kurrentdb:// store' }, error);
  }
};

const reason = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  // The client's UnavailableError says only its name.
  if ((error as { type?: unknown }).type === 'unavailable')
    return `${error.message}: the server did not answer; is KurrentDB running there, with tls as the URL says?`;
  return error.message;
};

/** A checkpoint the subscription's callback inserts into the stream of events, so that order is kept. */
interface CheckpointMarker {
  readonly kurrentCheckpoint: Position;
}
const isCheckpointMarker = (item: unknown): item is CheckpointMarker =>
  typeof item === 'object' && item !== null && 'kurrentCheckpoint' in item;

const maxPosition = (a: string | undefined, b: string): string =>
  a === undefined ||
  compareKurrentPositions(parseKurrentPosition(a, 'kurrentdb'), parseKurrentPosition(b, 'kurrentdb')) < 0
    ? b
    : a;

/**
 * The event store on a KurrentDB server, with the official client. Each job is the stream the ledger names
 * (`job-<id>`), each event a JSON event of the same type and data, jobledger's metadata and hash chain in the
 * event's metadata (see kurrentdbEvents.ts). Positions are `"<commit>:<prepare>"` of `$all`.
 *
 * An append reads the stream's last event (for its hash and version), seals the new events after it, and
 * appends with that exact revision: a concurrent writer makes it a WrongExpectedVersion, which the ledger's
 * command handler retries. There is no `execute`: KurrentDB holds no transaction across a decision.
 *
 * The store keeps no read model; see `openKurrentStore` (a SQL read model fed by a subscription).
 *
 * @example
 * const store = kurrentdbEventStore({ connectionString: 'kurrentdb://localhost:2113?tls=false' });
 */
export const kurrentdbEventStore = (options: KurrentdbEventStoreOptions): KurrentdbEventStore => {
  const {
    connectionString,
    streamPrefixes = ['job-'],
    batchSize: defaultBatch = 500,
    maxChainRetries = 20,
  } = options;
  const description = options.description ?? redactKurrentdbUrl(connectionString);
  const {
    BACKWARDS,
    END,
    FORWARDS,
    KurrentDBClient,
    START,
    StreamNotFoundError,
    WrongExpectedVersionError,
    streamNameFilter,
  } = loadClient();
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(connectionString);
  } catch (error) {
    throw new Error(`cannot open ${description}: ${reason(error)}`, { cause: error });
  }
  const closing = new AbortController();
  let closed = false;
  let lastAppended: string | undefined;

  const closedMessage = `the KurrentDB store ${description} is closed; open it again`;
  const ensureOpen = (): void => {
    if (closed) throw new Error(closedMessage);
  };
  const parse = (position: string): KurrentPosition => parseKurrentPosition(position, description);
  const failure = (what: string, error: unknown): StoreError =>
    JobError.store(`${description}: ${what} failed (${reason(error)})`, error);

  const decode = (resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | undefined => {
    const recorded = resolved.event;
    if (recorded === undefined) return undefined;
    const fallback =
      resolved.commitPosition === undefined
        ? undefined
        : { commit: resolved.commitPosition, prepare: resolved.commitPosition };
    return fromKurrentRecordedEvent(recorded, fallback);
  };

  /** The stream's last event: its version and hash (and position), or the empty tip. */
  const readTip = async (streamId: string): Promise<StreamTip & { readonly position?: string }> => {
    try {
      for await (const resolved of client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        const event = decode(resolved);
        if (event === undefined) {
          throw new Error(
            `the last event of ${streamId} (revision ${String(resolved.event?.revision)}) was not written by jobledger; its hash chain cannot continue`,
          );
        }
        return { version: event.version, hash: event.metadata.hash, position: event.position };
      }
      return emptyTip;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return emptyTip;
      throw error;
    }
  };

  /**
   * The positions of appended events: read back when several (the append answers the last one only). The
   * append has succeeded whatever happens here: should the read-back fail, every event gets the position of
   * the last one (an upper bound, which is what read-your-own-writes waits for).
   */
  const positioned = async (
    streamId: string,
    sealed: readonly StoredEvent[],
    last: Position | undefined,
  ): Promise<StoredEvent[]> => {
    const byId = new Map<string, string>();
    if (sealed.length > 1 || last === undefined) {
      try {
        for await (const resolved of client.readStream(streamId, {
          direction: FORWARDS,
          fromRevision: BigInt(sealed[0]!.version),
          maxCount: sealed.length,
        })) {
          const recorded = resolved.event;
          if (recorded?.position !== undefined)
            byId.set(recorded.id, formatKurrentPosition(recorded.position));
        }
      } catch {
        // The fallback below.
      }
    }
    const lastId = kurrentEventIdOf(sealed[sealed.length - 1]!.eventId);
    const lastText = last === undefined ? (byId.get(lastId) ?? '') : formatKurrentPosition(last);
    return sealed.map((e) => ({ ...e, position: byId.get(kurrentEventIdOf(e.eventId)) ?? lastText }));
  };

  const append = async (
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
  ): Promise<E.Either<WrongExpectedVersion | StoreError, AppendResult>> => {
    if (closed) return E.left(JobError.store(closedMessage));
    // Ids and times fixed once, so that a retry after a lost race seals the same events.
    const now = new Date().toISOString();
    const prepared: NewEvent[] = events.map((e) => ({
      ...e,
      eventId: e.eventId ?? randomUUID(),
      metadata: { ...e.metadata, recordedAt: e.metadata?.recordedAt ?? now },
    }));
    for (let attempt = 0; ; attempt++) {
      let tip: StreamTip & { readonly position?: string };
      try {
        tip = await readTip(streamId);
      } catch (error) {
        return E.left(failure(`reading the tip of ${streamId}`, error));
      }
      const actual = tip.version === -1 ? 'no-stream' : tip.version;
      if (!expectationHolds(expected, tip.version)) {
        return E.left(wrongExpectedVersion(streamId, expected, actual));
      }
      if (prepared.length === 0) {
        return E.right({
          nextVersion: tip.version + 1,
          position: tip.position ?? lastAppended ?? '0:0',
          events: [],
        });
      }
      const sealed = sealEvents(streamId, tip, prepared, () => '');
      try {
        const result = await client.appendToStream(streamId, sealed.map(toKurrentEventData), {
          streamState: toKurrentStreamState(actual),
        });
        const stored = await positioned(streamId, sealed, result.position);
        const last = stored[stored.length - 1]!;
        if (last.position !== '') lastAppended = maxPosition(lastAppended, last.position);
        return E.right({ nextVersion: last.version + 1, position: last.position, events: stored });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          // 'any' and 'exists' still hold after someone else appended: chain after the new tip.
          if ((expected === 'any' || expected === 'exists') && attempt < maxChainRetries) continue;
          return E.left(fromKurrentWrongExpectedVersion(streamId, expected, error));
        }
        return E.left(failure(`appending to ${streamId}`, error));
      }
    }
  };

  const allFilter = (checkpointReached?: (s: AllStreamSubscription, p: Position) => void) =>
    streamNameFilter({
      prefixes: [...streamPrefixes],
      ...(checkpointReached !== undefined && { checkpointReached }),
    });

  async function* subscribeItems(
    subscribeOptions: { readonly after?: string; readonly signal?: AbortSignal } = {},
  ): AsyncGenerator<SubscriptionItem> {
    ensureOpen();
    let last = subscribeOptions.after === undefined ? undefined : parse(subscribeOptions.after);
    const signal =
      subscribeOptions.signal === undefined
        ? closing.signal
        : AbortSignal.any([closing.signal, subscribeOptions.signal]);
    if (signal.aborted) return;
    const subscription = client.subscribeToAll({
      fromPosition: last ?? START,
      filter: allFilter((s, position) => {
        // Pushed into the subscription's own buffer: after every event the server sent before it.
        s.push({ kurrentCheckpoint: position } satisfies CheckpointMarker);
      }),
    });
    for await (const item of readableItems(subscription as unknown as CancellableReadable, { signal })) {
      if (isCheckpointMarker(item)) {
        const position = item.kurrentCheckpoint;
        if (last !== undefined && compareKurrentPositions(position, last) <= 0) continue;
        last = position;
        yield { kind: 'checkpoint', position: formatKurrentPosition(position) };
        continue;
      }
      const recorded = (item as AllStreamResolvedEvent).event;
      if (recorded === undefined) continue;
      // Never repeat: a catch-up from a position, or a checkpoint, never answers an event twice.
      if (last !== undefined && compareKurrentPositions(recorded.position, last) <= 0) continue;
      last = recorded.position;
      const event = decode(item as AllStreamResolvedEvent);
      if (event !== undefined) yield { kind: 'event', event };
    }
  }

  return {
    description,
    comparePositions: (a, b) => compareKurrentPositions(parse(a), parse(b)),
    lastAppendedPosition: () => lastAppended,
    append:
      (streamId, events, { expected }) =>
      () =>
        append(streamId, events, expected),
    async *readStream(streamId, readOptions = {}) {
      let from = readOptions.from ?? 0;
      for (;;) {
        ensureOpen();
        let count = 0;
        try {
          for await (const resolved of client.readStream(streamId, {
            direction: FORWARDS,
            fromRevision: BigInt(from),
            maxCount: defaultBatch,
          })) {
            count++;
            const event = decode(resolved);
            if (event === undefined) {
              throw new Error(
                `event ${String(resolved.event?.revision)} of ${streamId} was not written by jobledger`,
              );
            }
            from = event.version + 1;
            yield event;
          }
        } catch (error) {
          if (error instanceof StreamNotFoundError) return;
          throw new Error(`${description}: reading ${streamId} failed (${reason(error)})`, { cause: error });
        }
        if (count < defaultBatch) return;
      }
    },
    async *readAll(readOptions = {}) {
      const size = Math.max(1, readOptions.batchSize ?? defaultBatch);
      let after = readOptions.after === undefined ? undefined : parse(readOptions.after);
      for (;;) {
        ensureOpen();
        // Reading $all from a position may answer the event at it: ask one more, and skip what is not after.
        const requested = after === undefined ? size : size + 1;
        let count = 0;
        let fresh = 0;
        try {
          for await (const resolved of client.readAll({
            direction: FORWARDS,
            fromPosition: after ?? START,
            maxCount: requested,
            filter: allFilter(),
          })) {
            count++;
            const recorded = resolved.event;
            if (recorded === undefined) continue;
            if (after !== undefined && compareKurrentPositions(recorded.position, after) <= 0) continue;
            after = recorded.position;
            fresh++;
            const event = decode(resolved);
            if (event !== undefined) yield event;
          }
        } catch (error) {
          throw new Error(`${description}: reading $all failed (${reason(error)})`, { cause: error });
        }
        if (count < requested || fresh === 0) return;
      }
    },
    async *subscribe(subscribeOptions = {}) {
      for await (const item of subscribeItems(subscribeOptions)) {
        if (item.kind === 'event') yield item.event;
      }
    },
    subscribeItems,
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      await client.dispose();
    },
  };
};
