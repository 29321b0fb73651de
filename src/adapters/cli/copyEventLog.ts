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
  /** Appends in flight at once (different streams only; one stream's batches stay in order). Default 16. */
  readonly concurrency?: number;
  /** Events per append at most (default 500). */
  readonly batchSize?: number;
}

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
 * Copies the whole log of `source` into `target`, in global order, a run of consecutive events of one stream per
 * append. Each append expects the target stream at the version before the batch's first event ('no-stream' for
 * version 0), so copying into a store that already holds these streams, or a second run of the same copy, stops
 * at the first batch with `WrongExpectedVersion` instead of duplicating events.
 *
 * @example
 * const copied = await copyEventLog(openStore('sqlite:a.db'), openStore('sqlite:b.db'));
 */
export const copyEventLog = async (
  source: EventStore,
  target: EventStore,
  options: CopyOptions = {},
): Promise<E.Either<WrongExpectedVersion | StoreError, CopySummary>> => {
  const concurrency = options.concurrency ?? 16;
  const batchSize = options.batchSize ?? 500;
  const tips = new Map<string, StreamTipHash>();
  // One stream's batches must land in order: each waits for the stream's previous append.
  const streamTails = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let failure: WrongExpectedVersion | StoreError | undefined;
  let copied = 0;

  const send = (streamId: string, events: readonly StoredEvent[]): Promise<void> => {
    const first = events[0]!;
    const previous = streamTails.get(streamId) ?? Promise.resolve();
    // Never rejects: the first failure is kept and every later batch is skipped.
    const appended = previous.then(async () => {
      if (failure !== undefined) return;
      try {
        const result = await target.append(streamId, events.map(asNewEvent), {
          expected: first.version === 0 ? 'no-stream' : first.version - 1,
        })();
        if (E.isLeft(result)) {
          failure ??= result.left;
          return;
        }
        copied += events.length;
        options.onProgress?.(copied);
      } catch (cause) {
        failure ??= storeFailure('appending to the target', cause);
      }
    });
    streamTails.set(streamId, appended);
    inFlight.add(appended);
    void appended.finally(() => {
      inFlight.delete(appended);
      if (streamTails.get(streamId) === appended) streamTails.delete(streamId);
    });
    return appended;
  };

  try {
    let batch: StoredEvent[] = [];
    for await (const event of source.readAll({ batchSize: 1000 })) {
      if (failure !== undefined) break;
      tips.set(event.streamId, { version: event.version, hash: event.metadata.hash });
      const last = batch[batch.length - 1];
      if (
        last !== undefined &&
        (last.streamId !== event.streamId || last.version + 1 !== event.version || batch.length >= batchSize)
      ) {
        send(last.streamId, batch);
        batch = [];
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
      batch.push(event);
    }
    if (batch.length > 0 && failure === undefined) send(batch[0]!.streamId, batch);
    while (inFlight.size > 0) await Promise.race(inFlight);
  } catch (cause) {
    await Promise.all([...inFlight]);
    return E.left(storeFailure('reading the source', cause));
  }
  return failure !== undefined ? E.left(failure) : E.right({ events: copied, tips });
};

/** The tip of every stream in `store` that is also in `streams`, read from the whole log. */
export const streamTips = async (
  store: EventStore,
  streams: ReadonlySet<string>,
): Promise<Map<string, StreamTipHash>> => {
  const tips = new Map<string, StreamTipHash>();
  for await (const event of store.readAll({ batchSize: 5000 })) {
    if (streams.has(event.streamId)) tips.set(event.streamId, { version: event.version, hash: event.metadata.hash });
  }
  return tips;
};
