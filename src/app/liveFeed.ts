import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { ProjectedEventStore } from '../projections/ReadModelStore.js';

type Listener = (event: StoredEvent) => void;

/**
 * One shared subscription to the store that wakes waiters (pollJob) by stream, started when the first waiter
 * arrives and stopped when the last one leaves. Waiters register first and then look at the current state, so
 * an event that lands between the two is seen one way or the other: nothing is missed, nothing polls.
 * @internal
 */
export interface LiveFeed {
  /** Calls `listener` for every event of `streamId` appended after `after` until the returned function is called. */
  listen(streamId: string, after: string | undefined, listener: Listener): () => void;
  /** Calls `listener` for every event appended after this call, whatever its stream, until the returned function is called. */
  listenAll(listener: Listener): () => void;
  close(): void;
}

export const createLiveFeed = (store: EventStore, onError: (error: unknown) => void = () => {}): LiveFeed => {
  const listeners = new Map<string, Set<Listener>>();
  const everyEvent = new Set<Listener>();
  let count = 0;
  let controller: AbortController | undefined;

  /** Where the log ends now: the read model's checkpoint (a store that keeps one in its append transaction). */
  const headPosition = async (): Promise<string | undefined> => {
    const readModel = (store as Partial<ProjectedEventStore>).readModel;
    return (await readModel?.checkpoint()) ?? undefined;
  };

  /** Subscribes after `after`, or after the head of the log when `after` is the function asking for it. */
  const start = (after: string | undefined | typeof headPosition) => {
    const own = new AbortController();
    controller = own;
    void (async () => {
      try {
        const from = typeof after === 'function' ? await after() : after;
        for await (const event of store.subscribe({ after: from, signal: own.signal })) {
          for (const listener of listeners.get(event.streamId) ?? []) listener(event);
          for (const listener of everyEvent) listener(event);
          if (own.signal.aborted) break;
        }
      } catch (error) {
        if (!own.signal.aborted) onError(error);
      } finally {
        if (controller === own) controller = undefined;
      }
    })();
  };

  return {
    listen(streamId, after, listener) {
      const set = listeners.get(streamId) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(streamId, set);
      count++;
      if (controller === undefined) start(after);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        set.delete(listener);
        if (set.size === 0) listeners.delete(streamId);
        if (--count === 0) {
          controller?.abort();
          controller = undefined;
        }
      };
    },
    listenAll(listener) {
      // A subscription already running is past the head of the log or catching up to it: events it delivers
      // before reaching the head are older than this call, which only costs a waiter a needless look.
      everyEvent.add(listener);
      count++;
      if (controller === undefined) start(headPosition);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        everyEvent.delete(listener);
        if (--count === 0) {
          controller?.abort();
          controller = undefined;
        }
      };
    },
    close() {
      controller?.abort();
      controller = undefined;
      listeners.clear();
      everyEvent.clear();
      count = 0;
    },
  };
};
