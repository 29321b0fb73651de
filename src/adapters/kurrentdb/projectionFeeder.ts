import type { StoredEvent } from '../../domain/storedEvent.js';
import type { ReadModelStore } from '../../projections/ReadModelStore.js';
import { sleepUntil } from '../sleepUntil.js';

/** What a subscription answers: an event, or a position the (filtered) subscription has reached. */
export type SubscriptionItem =
  | { readonly kind: 'event'; readonly event: StoredEvent }
  | { readonly kind: 'checkpoint'; readonly position: string };

/** A read model the feeder can write; `saveCheckpoint` (optional) records a position reached without events. */
export type FeederReadModel = ReadModelStore & {
  saveCheckpoint?(position: string): Promise<void>;
  /** The identity of the log it was fed from, kept beside the checkpoint (see logIdentity.ts). */
  logIdentity?(): Promise<string | null>;
  saveLogIdentity?(identity: string | null): Promise<void>;
};

/** Options of {@link projectionFeeder}. */
export interface ProjectionFeederOptions {
  readonly readModel: FeederReadModel;
  /** Orders positions of the store the items come from: negative when `a` comes first. */
  readonly comparePositions: (a: string, b: string) => number;
  /** Events per `apply` (one transaction: rows and checkpoint), default 500. */
  readonly batchSize?: number;
  /** A batch is applied once no further item arrives for this long (default 0: when the source waits). */
  readonly flushDelayMs?: number;
  /**
   * A checkpoint reached without events is saved at most this often (default 1000 ms; the latest one is saved
   * when feeding stops). Waiters see it at once either way; a restart re-reads at most this much of the log.
   */
  readonly checkpointEveryMs?: number;
}

/** What one `feed` did. */
export interface FeedProgress {
  /** Events applied by this call (events at or before the checkpoint are not counted: they were skipped). */
  readonly events: number;
  /** Batches applied by this call. */
  readonly batches: number;
  /** The position reached, or null when nothing was ever applied. */
  readonly position: string | null;
}

/** Options of {@link ProjectionFeeder.run}. */
export interface FeederRunOptions {
  /** Stops feeding (the current batch is applied first) when it aborts. */
  readonly signal?: AbortSignal;
  /** Pause before resubscribing after the source failed or ended (default 1000 ms; doubles while it keeps failing). */
  readonly retryDelayMs?: number;
  /** Told about each failure before the feeder resubscribes. */
  readonly onError?: (error: unknown) => void;
  /**
   * Runs before each (re)subscription, before the checkpoint is read: may reset the read model (a checkpoint
   * that belongs to another log, see logIdentity.ts). A failure counts as the source's.
   */
  readonly beforeSubscribe?: () => Promise<void>;
}

/** Applies subscription items to a read model in batches, and answers "has it reached position p yet?". */
export interface ProjectionFeeder {
  /**
   * Applies `items` until they end (or `signal` aborts): events in batches, each batch with its checkpoint in one
   * transaction of the read model, so a restart resumes from the checkpoint. Events at or before the checkpoint
   * are skipped, so replaying a source from its start applies nothing twice. Throws what `apply` throws.
   */
  feed(items: AsyncIterable<SubscriptionItem>, signal?: AbortSignal): Promise<FeedProgress>;
  /**
   * Feeds from `subscribe(checkpoint)` and resubscribes from the saved checkpoint whenever the source fails or
   * ends, until `signal` aborts.
   */
  run(
    subscribe: (after: string | undefined, signal: AbortSignal) => AsyncIterable<SubscriptionItem>,
    options?: FeederRunOptions,
  ): Promise<void>;
  /**
   * Resolves once the read model has applied everything up to `position` (read your own writes: pass the
   * position an append answered). Rejects after `timeoutMs` (default 5000) saying where the read model is.
   */
  waitForPosition(position: string, options?: { readonly timeoutMs?: number }): Promise<void>;
  /** The position applied or reached so far (null before anything), as known to this feeder. */
  position(): Promise<string | null>;
}

interface Waiter {
  readonly position: string;
  readonly resolve: () => void;
}

/**
 * The feeder of a SQL read model from a store's subscription (KurrentDB keeps no read model in the transaction
 * of an append). One feeder per read model; `feed` calls must not overlap.
 *
 * @example
 * const feeder = projectionFeeder({ readModel, comparePositions: store.comparePositions });
 * void feeder.run((after, signal) => store.subscribeItems({ after, signal }), { signal });
 * await feeder.waitForPosition(appendResult.position, { timeoutMs: 2000 });
 */
export const projectionFeeder = (options: ProjectionFeederOptions): ProjectionFeeder => {
  const { readModel, comparePositions: compare } = options;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const flushDelayMs = Math.max(0, options.flushDelayMs ?? 0);
  const checkpointEveryMs = Math.max(0, options.checkpointEveryMs ?? 1000);
  let reached: string | null | undefined;
  const waiters = new Set<Waiter>();

  const load = async (): Promise<string | null> => {
    if (reached === undefined) reached = await readModel.checkpoint();
    return reached;
  };
  const isReached = (position: string): boolean => reached != null && compare(reached, position) >= 0;
  const advance = (position: string): void => {
    if (reached == null || compare(position, reached) > 0) reached = position;
    for (const waiter of [...waiters]) {
      if (isReached(waiter.position)) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const feed = async (
    items: AsyncIterable<SubscriptionItem>,
    signal?: AbortSignal,
  ): Promise<FeedProgress> => {
    await load();
    let batch: StoredEvent[] = [];
    let events = 0;
    let batches = 0;
    // A checkpoint reached but not saved yet (saved at most every checkpointEveryMs, and when feeding stops).
    let unsaved: string | undefined;
    let savedAt = Number.NEGATIVE_INFINITY;
    const saveCheckpoint = async (): Promise<void> => {
      if (unsaved === undefined) return;
      const position = unsaved;
      unsaved = undefined;
      savedAt = Date.now();
      await readModel.saveCheckpoint?.(position);
    };
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const applying = batch;
      batch = [];
      await readModel.apply(applying);
      events += applying.length;
      batches++;
      const last = applying[applying.length - 1]!.position;
      // The rows' transaction saved the checkpoint at this event, past any unsaved one before it.
      if (unsaved !== undefined && compare(unsaved, last) <= 0) unsaved = undefined;
      advance(last);
    };
    const iterator = items[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<SubscriptionItem>> | undefined;
    let sourceDone = false;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (signal?.aborted === true) resolve('aborted');
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      for (;;) {
        pending ??= iterator.next();
        // Apply what we have once the source has nothing more at hand (or after flushDelayMs).
        let timer: NodeJS.Timeout | undefined;
        const idle =
          batch.length === 0
            ? undefined
            : new Promise<'idle'>((resolve) => (timer = setTimeout(() => resolve('idle'), flushDelayMs)));
        const next = await Promise.race(idle === undefined ? [pending, aborted] : [pending, aborted, idle]);
        clearTimeout(timer);
        if (next === 'aborted') break;
        if (next === 'idle') {
          await flush();
          continue;
        }
        pending = undefined;
        if (next.done === true) {
          sourceDone = true;
          break;
        }
        const item = next.value;
        if (item.kind === 'checkpoint') {
          await flush();
          if (!isReached(item.position)) {
            unsaved = item.position;
            advance(item.position);
            if (Date.now() - savedAt >= checkpointEveryMs) await saveCheckpoint();
          }
          continue;
        }
        const event = item.event;
        const last = batch[batch.length - 1]?.position ?? reached;
        // At or before what is applied (a replayed source, a restart): skip, never apply twice.
        if (last != null && compare(event.position, last) <= 0) continue;
        batch.push(event);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      await saveCheckpoint();
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      // Ends the source (a subscription is cancelled). One waiting for its next item ends once that is answered
      // (or its own signal aborts): do not wait for it here.
      if (!sourceDone) {
        pending?.catch(() => undefined);
        void iterator.return?.()?.catch(() => undefined);
      }
    }
    return { events, batches, position: reached ?? null };
  };

  return {
    feed,
    async run(subscribe, runOptions = {}) {
      const { signal, retryDelayMs = 1000, onError, beforeSubscribe } = runOptions;
      const stop = signal ?? new AbortController().signal;
      // Doubles while the source keeps failing without progress (up to 30 times the first pause).
      let delay = retryDelayMs;
      while (!stop.aborted) {
        let from: string | null = null;
        try {
          await beforeSubscribe?.();
          from = await readModel.checkpoint();
          reached = from;
          const progress = await feed(subscribe(from ?? undefined, stop), stop);
          if (progress.events > 0) delay = retryDelayMs;
        } catch (error) {
          if (stop.aborted) break;
          onError?.(error);
          const now = await readModel.checkpoint().catch(() => from);
          delay = now !== from ? retryDelayMs : Math.min(delay * 2, retryDelayMs * 30);
        }
        await sleepUntil(delay, { signal: stop });
      }
    },
    async waitForPosition(position, waitOptions = {}) {
      const timeoutMs = waitOptions.timeoutMs ?? 5000;
      await load();
      if (isReached(position)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `the read model did not reach position ${position} within ${timeoutMs} ms (it is at ${reached ?? 'the start'})`,
            ),
          );
        }, timeoutMs);
        const waiter: Waiter = {
          position,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.add(waiter);
      });
    },
    position: load,
  };
};
