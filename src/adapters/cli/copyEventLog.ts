import * as E from 'fp-ts/lib/Either.js';
import { JobError, type StoreError } from '../../domain/errors.js';
import type { EventStore, WrongExpectedVersion } from '../../domain/EventStore.js';
import type { NewEvent, StoredEvent } from '../../domain/storedEvent.js';

/** The last version and hash of a stream. */
export interface StreamTipHash {
  readonly version: number;
  readonly hash: string;
}

/** What a copy did: how many events, and the tip of every stream it copied, as the source has it. */
export interface CopySummary {
  readonly events: number;
  readonly tips: ReadonlyMap<string, StreamTipHash>;
}

export interface CopyOptions {
  /** Called after each appended batch with the number of events copied so far. */
  readonly onProgress?: (events: number) => void;
  /** Called with each event of the source as it is read (to learn more of the log in the same pass). */
  readonly onEvent?: (event: StoredEvent) => void;
  /** Events per append at most (default 500). */
  readonly batchSize?: number;
  /**
   * Bytes per append at most, counted as the events' JSON (default 512 KiB): a KurrentDB server refuses appends
   * larger than its MaxAppendSize (1 MiB by default), and the target adds its metadata. A single larger event
   * is still sent alone.
   */
  readonly batchBytes?: number;
}

/** The size an event adds to an append, near enough: its JSON as the target receives it. */
export const eventBytes = (event: StoredEvent): number =>
  Buffer.byteLength(JSON.stringify(asNewEvent(event))) + 200;

const storeFailure = (what: string, cause: unknown): StoreError =>
  JobError.store(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause);

/**
 * The event as the target must receive it to seal it exactly as the source did: same id, type, schema version,
 * data and metadata (recording time, actor, correlation and causation). The target recomputes prevHash and hash,
 * which come out identical because every store seals alike (see `sealEvents`).
 */
export const asNewEvent = (event: StoredEvent): NewEvent => {
  const { recordedAt, actor, correlationId, causationId } = event.metadata;
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      recordedAt,
      actor,
      ...(correlationId !== undefined && { correlationId }),
      ...(causationId !== undefined && { causationId }),
    },
  };
};

/**
 * Copies the whole log of `source` into `target` in global order, one append per run of consecutive events of
 * one stream (at most `batchSize` events and `batchBytes` bytes), one append at a time, so that the target's global order is the source's. Each append expects the
 * target stream at the version before the batch's first event ('no-stream' for version 0): copying into a store
 * that already holds these streams, or running the same copy twice, stops at the first batch with
 * `WrongExpectedVersion` instead of duplicating events.
 *
 * @example
 * const copied = await copyEventLog(openStore('sqlite:a.db'), openStore('sqlite:b.db'));
 */
export const copyEventLog = async (
  source: EventStore,
  target: EventStore,
  options: CopyOptions = {},
): Promise<E.Either<WrongExpectedVersion | StoreError, CopySummary>> => {
  const batchSize = options.batchSize ?? 500;
  const batchBytes = options.batchBytes ?? 512 * 1024;
  const tips = new Map<string, StreamTipHash>();
  let copied = 0;
  const send = async (
    events: readonly StoredEvent[],
  ): Promise<E.Either<WrongExpectedVersion | StoreError, void>> => {
    const first = events[0]!;
    const appended = await target.append(first.streamId, events.map(asNewEvent), {
      expected: first.version === 0 ? 'no-stream' : first.version - 1,
    })();
    if (E.isLeft(appended)) return appended;
    copied += events.length;
    options.onProgress?.(copied);
    return E.right(undefined);
  };
  try {
    let batch: StoredEvent[] = [];
    let bytes = 0;
    for await (const event of source.readAll({ batchSize: 1000 })) {
      tips.set(event.streamId, { version: event.version, hash: event.metadata.hash });
      options.onEvent?.(event);
      const last = batch[batch.length - 1];
      const size = eventBytes(event);
      if (
        last !== undefined &&
        (last.streamId !== event.streamId ||
          last.version + 1 !== event.version ||
          batch.length >= batchSize ||
          bytes + size > batchBytes)
      ) {
        const sent = await send(batch);
        if (E.isLeft(sent)) return sent;
        batch = [];
        bytes = 0;
      }
      batch.push(event);
      bytes += size;
    }
    if (batch.length > 0) {
      const sent = await send(batch);
      if (E.isLeft(sent)) return sent;
    }
  } catch (cause) {
    return E.left(storeFailure('copying', cause));
  }
  return E.right({ events: copied, tips });
};

/** The tip of every stream in `store` that is also in `streams`, read from the whole log. */
export const streamTips = async (
  store: EventStore,
  streams: ReadonlySet<string>,
): Promise<Map<string, StreamTipHash>> => {
  const tips = new Map<string, StreamTipHash>();
  for await (const event of store.readAll({ batchSize: 5000 })) {
    if (streams.has(event.streamId))
      tips.set(event.streamId, { version: event.version, hash: event.metadata.hash });
  }
  return tips;
};
