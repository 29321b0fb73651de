import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { LiveFeed } from './liveFeed.js';

/**
 * Calls `listener` for every event after position `after` (exclusive; undefined: from the first event), each
 * exactly once and each stream in version order: first what the store already holds (read with `readAll`), then
 * live events from the shared `feed` — never a store subscription of its own. The feed listener is registered
 * before the store is read; what it hands out meanwhile waits, and an event both read and handed out is passed
 * on once (a stream's versions tell). `onCaughtUp` is called once everything the store held was passed on.
 * Answers the function that stops it; a failed read is given to `onError` and stops it too.
 *
 * @example
 * const stop = catchUpThenFollow(ledger.feed, ledger.store, checkpoint, (event) => project(event), console.error);
 */
export const catchUpThenFollow = (
  feed: LiveFeed,
  store: EventStore,
  after: string | undefined,
  listener: (event: StoredEvent) => void,
  onError: (error: unknown) => void,
  onCaughtUp?: () => void,
): (() => void) => {
  let stopped = false;
  let caughtUp = false;
  const waiting: StoredEvent[] = [];
  // Streams read from the store, with the last version read: until the feed passes that version for a
  // stream, what it hands out of that stream was passed on already.
  const read = new Map<string, number>();
  const pass = (event: StoredEvent): void => {
    const version = read.get(event.streamId);
    if (version !== undefined) {
      if (event.version <= version) return;
      read.delete(event.streamId);
    }
    listener(event);
  };
  const stopFeed = feed.listenAll((event) => {
    if (stopped) return;
    if (caughtUp) pass(event);
    else waiting.push(event);
  });
  const stop = (): void => {
    stopped = true;
    waiting.length = 0;
    stopFeed();
  };
  void (async () => {
    try {
      // Read once the feed knows where it starts: an event in between is in the read or handed out, never neither.
      await feed.ready();
      if (stopped) return;
      for await (const event of store.readAll(after === undefined ? {} : { after })) {
        if (stopped) return;
        read.set(event.streamId, event.version);
        listener(event);
      }
      caughtUp = true;
      for (const event of waiting.splice(0)) if (!stopped) pass(event);
      if (!stopped) onCaughtUp?.();
    } catch (error) {
      if (stopped) return;
      stop();
      onError(error);
    }
  })();
  return stop;
};
