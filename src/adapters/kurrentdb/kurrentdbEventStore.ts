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
import {
  allAccessDenied,
  appendTooLarge,
  isAccessDenied,
  isUnknownAppendOutcome,
} from './kurrentdbErrors.js';
import { refuseOldServer } from './kurrentdbServerVersion.js';
import { redactKurrentdbUrl } from './kurrentdbUrl.js';
import { fromKurrentWrongExpectedVersion } from './kurrentdbWrongExpectedVersion.js';
import { missingPackage } from '../optionalPackage.js';
import type { LogBounds } from './logIdentity.js';
import { streamTipCache } from './streamTipCache.js';
import { readableItems, type CancellableReadable } from './subscriptionItems.js';
import type { SubscriptionItem } from './projectionFeeder.js';
import { sleepUntil } from '../sleepUntil.js';

/** What the store uses of the client: the boundary a test stands in for where no server can run. @internal */
export type KurrentClientPort = Pick<
  KurrentDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'
>;

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
  /**
   * How long an append whose outcome is unknown (its deadline passed, the leader changed, the node went away)
   * is sent again, identical, before it fails (default 10 000 ms).
   */
  readonly appendRetryMs?: number;
  /** Streams whose tip (version, hash) is remembered to skip reading it before an append (default 10 000). */
  readonly tipCacheSize?: number;
  /**
   * Server-side filtering of the subscription: records scanned per page (`maxSearchWindow`, default 1024). The
   * server reports a checkpoint after each page without a matching event.
   */
  readonly maxSearchWindow?: number;
  /** Instead of a client made from `connectionString` (tests that stand in for a server). @internal */
  readonly client?: KurrentClientPort;
  /**
   * Instead of asking the client's connection for the server's version (tests); undefined: the version cannot be
   * told (a `client` given without the client's feature list), and the check is left out. @internal
   */
  readonly serverVersion?: () => Promise<string | undefined>;
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
  /** Where the log starts and ends now (see logIdentity.ts: is a checkpoint still this log's?). */
  logBounds(): Promise<LogBounds>;
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

/** The position servers before EventStoreDB 22.6 give events read from a stream: none (all ones). */
const noPosition = 2n ** 64n - 1n;

/** An append's size as the server weighs it, near enough: its events as JSON. */
const appendBytes = (events: readonly StoredEvent[]): number =>
  events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(toKurrentEventData(e))), 0);

/** A refusal that stays: the server is too old. */
class OldServerError extends Error {
  override readonly name = 'OldServerError';
}

/** How one append request ended, after sending it again while its outcome was unknown. */
type Sent =
  | { readonly kind: 'ok'; readonly last: Position | undefined; readonly stored?: readonly StoredEvent[] }
  | { readonly kind: 'wrong'; readonly error: WrongExpectedVersion }
  | { readonly kind: 'failed'; readonly error: StoreError };

/**
 * The event store on a KurrentDB server, with the official client. Each job is the stream the ledger names
 * (`job-<id>`), each event a JSON event of the same type and data, jobledger's metadata and hash chain in the
 * event's metadata (see kurrentdbEvents.ts). Positions are `"<commit>:<prepare>"` of `$all`.
 *
 * An append seals the new events after the stream's tip and appends them at that exact revision: a concurrent
 * writer makes it a WrongExpectedVersion, which the ledger's command handler retries. The tip comes from the
 * store's memory of recent streams when it satisfies the expectation (the ledger has just read the whole stream,
 * or this store wrote it last), else from a read of the last event on the leader. An append whose outcome is
 * unknown (deadline passed, leader changed, node gone) is sent again, identical (same event ids and revision,
 * which the server's idempotent-write check answers as a success if it has them), for up to `appendRetryMs`; a
 * conflict answered after such a retry is checked first: if the stream holds this append's events at its
 * revision, the append succeeded. There is no `execute`: KurrentDB holds no transaction across a decision.
 *
 * The first call checks the server's version (EventStoreDB 22.6 or later, or KurrentDB): older servers give
 * stream reads no positions. An append larger than the server's MaxAppendSize and `$all` reads refused on a
 * secured cluster fail with messages that say what to change.
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
    appendRetryMs = 10_000,
    tipCacheSize = 10_000,
    maxSearchWindow = 1024,
  } = options;
  const description = options.description ?? redactKurrentdbUrl(connectionString);
  const {
    BACKWARDS,
    END,
    FORWARDS,
    KurrentDBClient,
    MaxAppendSizeExceededError,
    START,
    StreamNotFoundError,
    WrongExpectedVersionError,
    streamNameFilter,
  } = loadClient();
  let client: KurrentClientPort | undefined;
  try {
    client = options.client ?? KurrentDBClient.connectionString(connectionString);
  } catch (error) {
    throw new Error(`cannot open ${description}: ${reason(error)}`, { cause: error });
  }
  const serverVersion =
    options.serverVersion ??
    (async (): Promise<string | undefined> => {
      // The client asks the server for its features (and version) before its first append anyway; the getter
      // is the client's own (protected in its typings), absent from a stand-in.
      const features = (client as { readonly capabilities?: Promise<{ serverVersion: string }> })
        .capabilities;
      return features === undefined ? undefined : (await features).serverVersion;
    });
  const closing = new AbortController();
  let closed = false;
  let lastAppended: string | undefined;
  const tips = streamTipCache(tipCacheSize);

  const closedMessage = `the KurrentDB store ${description} is closed; open it again`;
  const ensureOpen = (): void => {
    if (closed) throw new Error(closedMessage);
  };
  /** The client; after close() the store holds none (the client's native read connection goes with it). */
  const use = (): KurrentClientPort => {
    if (client === undefined) throw new Error(closedMessage);
    return client;
  };
  const parse = (position: string): KurrentPosition => parseKurrentPosition(position, description);
  const failure = (what: string, error: unknown): StoreError =>
    JobError.store(`${description}: ${what} failed (${reason(error)})`, error);
  const allFailure = (what: string, error: unknown): Error =>
    isAccessDenied(error)
      ? new Error(allAccessDenied(description), { cause: error })
      : new Error(`${description}: ${what} failed (${reason(error)})`, { cause: error });

  let checked: Promise<void> | undefined;
  /** Resolves once the server's version was found usable (asked once; a refusal is kept). */
  const ready = (): Promise<void> => {
    ensureOpen();
    checked ??= serverVersion().then(
      (version) => {
        const refusal = version === undefined ? undefined : refuseOldServer(version, description);
        if (refusal !== undefined) throw new OldServerError(refusal);
      },
      (error: unknown) => {
        checked = undefined;
        throw error;
      },
    );
    return checked;
  };

  const decode = (resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | undefined => {
    const recorded = resolved.event;
    if (recorded === undefined) return undefined;
    if (recorded.position?.commit === noPosition) {
      throw new OldServerError(
        `${description} gave ${recorded.streamId} no $all positions (all ones), as servers before EventStoreDB 22.6 do; jobledger needs 22.6 or later (or any KurrentDB). Upgrade the server`,
      );
    }
    const fallback =
      resolved.commitPosition === undefined
        ? undefined
        : { commit: resolved.commitPosition, prepare: resolved.commitPosition };
    return fromKurrentRecordedEvent(recorded, fallback);
  };

  /** The stream's last event (version, hash, position) as the leader has it, or the empty tip. */
  const readTip = async (streamId: string): Promise<StreamTip & { readonly position?: string }> => {
    try {
      for await (const resolved of use().readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
        // A follower may lag: the hash chain must continue after the real last event.
        requiresLeader: true,
      })) {
        const event = decode(resolved);
        if (event === undefined) {
          throw new Error(
            `the last event of ${streamId} (revision ${String(resolved.event?.revision)}) was not written by jobledger; its hash chain cannot continue`,
          );
        }
        const tip = { version: event.version, hash: event.metadata.hash, position: event.position };
        tips.set(streamId, tip);
        return tip;
      }
      return emptyTip;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return emptyTip;
      throw error;
    }
  };

  /** The events of `sealed`, as stored, if this append's events are at its revision: it landed. */
  const landed = async (
    streamId: string,
    sealed: readonly StoredEvent[],
  ): Promise<StoredEvent[] | undefined> => {
    const found: StoredEvent[] = [];
    try {
      for await (const resolved of use().readStream(streamId, {
        direction: FORWARDS,
        fromRevision: BigInt(sealed[0]!.version),
        maxCount: sealed.length,
        requiresLeader: true,
      })) {
        const event = decode(resolved);
        if (event !== undefined) found.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    const ours = found.length === sealed.length && found.every((e, i) => e.eventId === sealed[i]!.eventId);
    return ours ? found : undefined;
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
        for await (const resolved of use().readStream(streamId, {
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

  /** What an append failure tells the caller to do. */
  const appendFailure = (streamId: string, sealed: readonly StoredEvent[], error: unknown): StoreError => {
    if (error instanceof MaxAppendSizeExceededError) {
      return JobError.store(
        appendTooLarge(description, streamId, sealed.length, appendBytes(sealed), error.maxAppendSize),
        error,
      );
    }
    if (isAccessDenied(error)) {
      return JobError.store(
        `${description}: appending to ${streamId} was refused (AccessDenied): connect as a user who may write the ledger's streams`,
        error,
      );
    }
    return failure(`appending to ${streamId}`, error);
  };

  /**
   * Sends one append (the events sealed after `tip`, at its exact revision), again while its outcome is unknown.
   * A conflict after such a resend is checked against the stream: this append's own events there mean it landed.
   */
  const send = async (
    streamId: string,
    expected: ExpectedVersion,
    sealed: readonly StoredEvent[],
    tip: StreamTip,
  ): Promise<Sent> => {
    const data = sealed.map(toKurrentEventData);
    const streamState = toKurrentStreamState(tip.version === -1 ? 'no-stream' : tip.version);
    const until = Date.now() + appendRetryMs;
    let uncertain = false;
    for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
      try {
        const result = await use().appendToStream(streamId, data, { streamState });
        if (result.success) return { kind: 'ok', last: result.position };
        // A conflict answered as a value (a client made with throwOnAppendFailure=false): checked below.
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          if (!uncertain)
            return { kind: 'wrong', error: fromKurrentWrongExpectedVersion(streamId, expected, error) };
        } else if (isUnknownAppendOutcome(error) && !closed && Date.now() + pause < until) {
          uncertain = true;
          await sleepUntil(pause, { signal: closing.signal });
          continue;
        } else
          return {
            kind: 'failed',
            error: closed ? JobError.store(closedMessage) : appendFailure(streamId, sealed, error),
          };
      }
      try {
        const stored = uncertain ? await landed(streamId, sealed) : undefined;
        if (stored !== undefined) return { kind: 'ok', last: undefined, stored };
        tips.delete(streamId);
        const now = await readTip(streamId);
        return {
          kind: 'wrong',
          error: wrongExpectedVersion(streamId, expected, now.version === -1 ? 'no-stream' : now.version),
        };
      } catch (error) {
        return { kind: 'failed', error: failure(`reading back ${streamId} after a conflict`, error) };
      }
    }
  };

  const append = async (
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
  ): Promise<E.Either<WrongExpectedVersion | StoreError, AppendResult>> => {
    if (closed) return E.left(JobError.store(closedMessage));
    try {
      await ready();
    } catch (error) {
      return E.left(
        error instanceof OldServerError ? JobError.store(error.message, error) : failure('connecting', error),
      );
    }
    // Ids and times fixed once, so that a retry after a lost race seals the same events.
    const now = new Date().toISOString();
    const prepared: NewEvent[] = events.map((e) => ({
      ...e,
      eventId: e.eventId ?? randomUUID(),
      metadata: { ...e.metadata, recordedAt: e.metadata?.recordedAt ?? now },
    }));
    // A remembered tip that satisfies the expectation saves a read; the server checks the revision anyway.
    const remembered = (): StreamTip | undefined => {
      if (prepared.length === 0) return undefined;
      if (expected === 'no-stream') return emptyTip;
      const cached = tips.get(streamId);
      return cached !== undefined && expectationHolds(expected, cached.version) ? cached : undefined;
    };
    let tip = remembered();
    for (let attempt = 0; ; attempt++) {
      let position: string | undefined;
      if (tip === undefined) {
        try {
          const read = await readTip(streamId);
          tip = read;
          position = read.position;
        } catch (error) {
          return E.left(
            error instanceof OldServerError
              ? JobError.store(error.message, error)
              : failure(`reading the tip of ${streamId}`, error),
          );
        }
      }
      const actual = tip.version === -1 ? 'no-stream' : tip.version;
      if (!expectationHolds(expected, tip.version)) {
        return E.left(wrongExpectedVersion(streamId, expected, actual));
      }
      if (prepared.length === 0) {
        return E.right({
          nextVersion: tip.version + 1,
          position: position ?? lastAppended ?? '0:0',
          events: [],
        });
      }
      const sealed = sealEvents(streamId, tip, prepared, () => '');
      const sent = await send(streamId, expected, sealed, tip);
      if (sent.kind === 'ok') {
        const stored = sent.stored ?? (await positioned(streamId, sealed, sent.last));
        const last = stored[stored.length - 1]!;
        tips.set(streamId, { version: last.version, hash: last.metadata.hash, position: last.position });
        if (last.position !== '') lastAppended = maxPosition(lastAppended, last.position);
        return E.right({ nextVersion: last.version + 1, position: last.position, events: stored });
      }
      if (sent.kind === 'failed') return E.left(sent.error);
      tips.delete(streamId);
      // 'any' and 'exists' still hold after someone else appended: chain after the new tip.
      if ((expected === 'any' || expected === 'exists') && attempt < maxChainRetries) {
        tip = undefined;
        continue;
      }
      return E.left(sent.error);
    }
  };

  const allFilter = (checkpointReached?: (s: AllStreamSubscription, p: Position) => void) =>
    streamNameFilter({
      prefixes: [...streamPrefixes],
      ...(checkpointReached !== undefined && {
        checkpointReached,
        // A checkpoint after every page of maxSearchWindow records without one of ours: not after every 32.
        maxSearchWindow,
        checkpointInterval: 1,
      }),
    });

  async function* subscribeItems(
    subscribeOptions: { readonly after?: string; readonly signal?: AbortSignal } = {},
  ): AsyncGenerator<SubscriptionItem> {
    await ready();
    let last = subscribeOptions.after === undefined ? undefined : parse(subscribeOptions.after);
    const signal =
      subscribeOptions.signal === undefined
        ? closing.signal
        : AbortSignal.any([closing.signal, subscribeOptions.signal]);
    if (signal.aborted) return;
    const subscription = use().subscribeToAll({
      fromPosition: last ?? START,
      filter: allFilter((s, position) => {
        // Pushed into the subscription's own buffer: after every event the server sent before it.
        s.push({ kurrentCheckpoint: position } satisfies CheckpointMarker);
      }),
    });
    try {
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
    } catch (error) {
      if (isAccessDenied(error)) throw allFailure('subscribing to $all', error);
      throw error;
    }
  }

  /** The first and last record of a read of `$all`, with the options given. */
  const readAllEnd = async (
    readOptions: Parameters<KurrentClientPort['readAll']>[0],
  ): Promise<AllStreamResolvedEvent | undefined> => {
    for await (const resolved of use().readAll(readOptions)) return resolved;
    return undefined;
  };

  return {
    description,
    comparePositions: (a, b) => compareKurrentPositions(parse(a), parse(b)),
    lastAppendedPosition: () => lastAppended,
    append:
      (streamId, events, { expected }) =>
      () =>
        append(streamId, events, expected),
    async *readStream(streamId, readOptions = {}) {
      await ready();
      let from = readOptions.from ?? 0;
      let last: StoredEvent | undefined;
      for (;;) {
        ensureOpen();
        let count = 0;
        try {
          for await (const resolved of use().readStream(streamId, {
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
            last = event;
            yield event;
          }
        } catch (error) {
          if (error instanceof StreamNotFoundError) return;
          if (error instanceof OldServerError) throw error;
          throw new Error(`${description}: reading ${streamId} failed (${reason(error)})`, { cause: error });
        }
        if (count < defaultBatch) {
          // Read to its end: the tip the next append of this stream can seal after without reading it again.
          if (last !== undefined)
            tips.set(streamId, { version: last.version, hash: last.metadata.hash, position: last.position });
          return;
        }
      }
    },
    async *readAll(readOptions = {}) {
      await ready();
      const size = Math.max(1, readOptions.batchSize ?? defaultBatch);
      let after = readOptions.after === undefined ? undefined : parse(readOptions.after);
      for (;;) {
        ensureOpen();
        // Reading $all from a position may answer the event at it: ask one more, and skip what is not after.
        const requested = after === undefined ? size : size + 1;
        let count = 0;
        let fresh = 0;
        try {
          for await (const resolved of use().readAll({
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
          if (error instanceof OldServerError) throw error;
          throw allFailure('reading $all', error);
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
    async logBounds() {
      await ready();
      try {
        const first = await readAllEnd({
          direction: FORWARDS,
          fromPosition: START,
          maxCount: 1,
          filter: allFilter(),
          requiresLeader: true,
        });
        const head = await readAllEnd({
          direction: BACKWARDS,
          fromPosition: END,
          maxCount: 1,
          requiresLeader: true,
        });
        const headPosition =
          head?.event?.position ??
          (head?.commitPosition === undefined
            ? undefined
            : { commit: head.commitPosition, prepare: head.commitPosition });
        return {
          ...(first?.event !== undefined && {
            first: {
              position: formatKurrentPosition(first.event.position),
              eventId: decode(first)?.eventId ?? first.event.id,
            },
          }),
          ...(headPosition !== undefined && { head: formatKurrentPosition(headPosition) }),
        };
      } catch (error) {
        throw allFailure('reading the ends of $all', error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      tips.clear();
      // The client has no call that closes its native read connection: it goes when the client object is
      // collected, so the store keeps no reference to it after disposing its gRPC streams.
      const disposing = client;
      client = undefined;
      await disposing?.dispose();
    },
  };
};
