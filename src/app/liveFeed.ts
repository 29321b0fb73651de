import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';

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
  close(): void;
}

export const createLiveFeed = (store: EventStore, onError: (error: unknown) => void = () => {}): LiveFeed => {
  const listeners = new Map<string, Set<Listener>>();
  let count = 0;
  let controller: AbortController | undefined;

  const start = (after: string | undefined) => {
    const own = new AbortController();
    controller = own;
    void (async () => {
      try {
        for await (const event of store.subscribe({ after, signal: own.signal })) {
          for (const listener of listeners.get(event.streamId) ?? []) listener(event);
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
    close() {
      controller?.abort();
      controller = undefined;
      listeners.clear();
      count = 0;
    },
  };
};
