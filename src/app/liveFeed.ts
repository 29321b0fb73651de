import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import { hasReadModel } from '../projections/ReadModelStore.js';

/** Called with each event, synchronously, in global order. A listener that throws is reported, not removed. */
export type FeedListener = (event: StoredEvent) => void;

/** What {@link LiveFeed.stats} counts. */
export interface LiveFeedStats {
  /** Listeners registered now (by stream, for all events and for claimable work). */
  readonly listeners: number;
  /** Store subscriptions opened since the feed was created (one per start and one per resubscription). */
  readonly subscriptions: number;
  /** Of those, the ones opened again after the store's subscription failed. */
  readonly resubscriptions: number;
  /** True while a store subscription runs (or is being reopened). */
  readonly following: boolean;
  /** The last failure the feed recovered from (a subscription that failed, a listener that threw), if any. */
  readonly lastError?: string;
}

/**
 * THE one subscription of a ledger to its store, fanned out in memory: to the watchers of one job (`pollJob`,
 * a job's SSE stream), to listeners of every event (the page's streams, `/overview`), and to those waiting for
 * claimable work (workers). A commit costs one store read however many watch; handing it out costs one map
 * lookup plus the listeners of that job (and the all-event and claimable listeners).
 *
 * The subscription starts with the first listener and stops with the last. When the store's subscription fails
 * (a server restart, a dropped connection) the feed opens it again from the last event it handed out, after a
 * bounded, jittered backoff: listeners see no gap and no repeat, and never notice.
 *
 * @example
 * const stop = ledger.feed.listenAll((event) => console.log(event.streamId, event.version, event.type));
 * // ... every event appended from now on is logged, once, in order ...
 * stop();
 */
export interface LiveFeed {
  /**
   * Calls `listener` for every event of `streamId` appended after the call, until the returned function is
   * called. `after` is not needed (pass `undefined`): a feed that is not running yet starts at the store's end.
   * When given, it must be a position at or before the call; such a feed then starts there instead.
   */
  listen(streamId: string, after: string | undefined, listener: FeedListener): () => void;
  /** Calls `listener` for every event appended after the call, until the returned function is called. */
  listenAll(listener: FeedListener): () => void;
  /**
   * Calls `listener` for every event after which a job may have become claimable (a status change to Pending,
   * an agent assignment), appended after the call, until the returned function is called. Waiting agents ask
   * for work again when it fires.
   */
  listenClaimable(listener: FeedListener): () => void;
  /**
   * Resolves once the feed knows where it starts (a feed that starts reads the store's end first, asynchronously):
   * every event appended after that is handed out. A waiter that listens and then reads the current state must
   * read it after `ready()`, or an event appended in between could be neither in what it read nor handed to it.
   */
  ready(): Promise<void>;
  /** Counts, to see the one subscription at work. */
  stats(): LiveFeedStats;
  /** Stops the subscription and forgets every listener. */
  close(): void;
}

/** Options of {@link createLiveFeed}. */
export interface LiveFeedOptions {
  /**
   * Where a feed that starts without a position begins: the store's current end. Default: the read model's
   * checkpoint, which the built-in stores move in the same transaction as each append (a store without one is
   * read to its end once).
   */
  readonly head?: () => Promise<string | null | undefined>;
  /** Told of every failure the feed recovers from (a subscription that failed, a listener that threw). */
  readonly onError?: (error: unknown) => void;
  /** The first wait before resubscribing, in milliseconds (default 50); it doubles per failure in a row. */
  readonly retryMinMs?: number;
  /** The longest wait before resubscribing, in milliseconds (default 5000). */
  readonly retryMaxMs?: number;
}

/** True for an event after which some Pending job may be claimable that was not before. */
export const mayMakeClaimable = (event: StoredEvent): boolean =>
  (event.type === 'JobStatusChanged' && (event.data as { to?: unknown }).to === 'Pending') ||
  event.type === 'JobAgentAssigned';

const storeHead = (store: EventStore) => async (): Promise<string | undefined> => {
  if (hasReadModel(store)) return (await store.readModel.checkpoint()) ?? undefined;
  let last: string | undefined;
  for await (const event of store.readAll()) last = event.position;
  return last;
};

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Creates the shared feed over `store` (see {@link LiveFeed}); `createJobLedger` makes one per ledger, as
 * `ledger.feed`.
 */
export const createLiveFeed = (store: EventStore, options: LiveFeedOptions = {}): LiveFeed => {
  const head = options.head ?? storeHead(store);
  let lastError: string | undefined;
  const onError = (error: unknown) => {
    lastError = error instanceof Error ? error.message : String(error);
    options.onError?.(error);
  };
  const retryMinMs = options.retryMinMs ?? 50;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  const byStream = new Map<string, Set<FeedListener>>();
  const all = new Set<FeedListener>();
  const claimable = new Set<FeedListener>();
  let count = 0;
  let subscriptions = 0;
  let resubscriptions = 0;
  let controller: AbortController | undefined;
  // Resolved once the running subscription knows its start position (see `ready`).
  let whenStarted: Promise<void> = Promise.resolve();
  // close() forgets every listener: their stop functions from before it must not count down again.
  let generation = 0;

  const call = (listener: FeedListener, event: StoredEvent) => {
    try {
      listener(event);
    } catch (error) {
      onError(error);
    }
  };

  const dispatch = (event: StoredEvent) => {
    const watchers = byStream.get(event.streamId);
    if (watchers !== undefined) for (const listener of [...watchers]) call(listener, event);
    if (all.size > 0) for (const listener of [...all]) call(listener, event);
    if (claimable.size > 0 && mayMakeClaimable(event))
      for (const listener of [...claimable]) call(listener, event);
  };

  const follow = async (signal: AbortSignal, from: string | undefined, markStarted: () => void) => {
    let after = from;
    let failures = 0;
    let started = false;
    while (!signal.aborted) {
      try {
        if (!started) {
          after ??= (await head()) ?? undefined;
          started = true;
          markStarted();
        }
        subscriptions++;
        if (failures > 0) resubscriptions++;
        for await (const event of store.subscribe({ signal, ...(after !== undefined && { after }) })) {
          if (signal.aborted) return;
          after = event.position;
          failures = 0;
          dispatch(event);
        }
        if (signal.aborted) return;
        // Ended without an error while listeners wait (a store closed behind the ledger's back, a server that
        // dropped the stream): the same as a failure, so no waiter hangs until its timeout.
        throw new Error(`the subscription to ${store.description} ended; following it again`);
      } catch (error) {
        if (signal.aborted) return;
        // A store that cannot even say where it ends: waiters read on rather than wait for a start that may not come.
        if (!started) markStarted();
        onError(error);
        // Full jitter over a doubling, capped delay: many ledgers that lost one server do not return in step.
        const ceiling = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures, 16));
        failures++;
        await pause(Math.random() * ceiling, signal);
      }
    }
  };

  const start = (after: string | undefined) => {
    if (controller !== undefined) return;
    const own = new AbortController();
    controller = own;
    let markStarted = () => {};
    whenStarted = new Promise((resolve) => (markStarted = resolve));
    void follow(own.signal, after, markStarted).finally(() => {
      markStarted();
      if (controller === own) controller = undefined;
    });
  };

  const add = (
    set: Set<FeedListener>,
    listener: FeedListener,
    after: string | undefined,
    drop?: () => void,
  ) => {
    // A listener given twice must be removed twice: wrap it so each registration is its own entry.
    const entry: FeedListener = (event) => listener(event);
    set.add(entry);
    count++;
    start(after);
    const born = generation;
    let done = false;
    return () => {
      if (done || born !== generation) return;
      done = true;
      set.delete(entry);
      drop?.();
      if (--count === 0) {
        controller?.abort();
        controller = undefined;
      }
    };
  };

  return {
    listen(streamId, after, listener) {
      let set = byStream.get(streamId);
      if (set === undefined) byStream.set(streamId, (set = new Set()));
      const own = set;
      return add(own, listener, after, () => {
        if (own.size === 0 && byStream.get(streamId) === own) byStream.delete(streamId);
      });
    },
    listenAll: (listener) => add(all, listener, undefined),
    listenClaimable: (listener) => add(claimable, listener, undefined),
    ready: () => whenStarted,
    stats: () => ({
      listeners: count,
      subscriptions,
      resubscriptions,
      following: controller !== undefined,
      ...(lastError !== undefined && { lastError }),
    }),
    close() {
      generation++;
      controller?.abort();
      controller = undefined;
      byStream.clear();
      all.clear();
      claimable.clear();
      count = 0;
    },
  };
};
