import * as E from 'fp-ts/lib/Either.js';
import { expect, it } from 'vitest';
import { openStore } from '../../src/adapters/openStore.js';
import { catchUpThenFollow } from '../../src/app/catchUpThenFollow.js';
import { createLiveFeed } from '../../src/app/liveFeed.js';
import type { EventStore } from '../../src/domain/EventStore.js';

const append = async (store: EventStore, streamId: string, n: number) => {
  const r = await store.append(streamId, [{ type: 'N', data: { n } }], { expected: 'any' })();
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.position;
};

it('passes on what the store holds after a position, then live events, each once and in order', async () => {
  const store = openStore('memory:');
  const feed = createLiveFeed(store);
  // The feed already runs (another watcher), so it hands out events while the store is being read.
  const other = feed.listenAll(() => {});
  const from = await append(store, 'a', 0);
  for (let n = 1; n < 200; n++) await append(store, n % 2 ? 'a' : 'b', n);
  const seen: number[] = [];
  let resolveAll = () => {};
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const stop = catchUpThenFollow(
    feed,
    store,
    from,
    (e) => {
      seen.push((e.data as { n: number }).n);
      if (seen.length === 299) resolveAll();
    },
    (error) => {
      throw error;
    },
  );
  // Appended while the store is being read: the feed hands these out, some perhaps read as well.
  for (let n = 200; n < 300; n++) await append(store, n % 2 ? 'a' : 'b', n);
  await all;
  expect(seen).toEqual(Array.from({ length: 299 }, (_, i) => i + 1));
  stop();
  other();
  expect(feed.stats().listeners).toBe(0);
  await store.close();
});
