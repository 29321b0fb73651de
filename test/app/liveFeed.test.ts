import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/adapters/openStore.js';
import { createJobLedger } from '../../src/app/createJobLedger.js';
import { createLiveFeed } from '../../src/app/liveFeed.js';
import type { EventStore } from '../../src/domain/EventStore.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import type { ProjectedEventStore } from '../../src/projections/ReadModelStore.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-feed-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const append = async (store: EventStore, streamId: string, n: number) => {
  const r = await store.append(streamId, [{ type: 'N', data: { n } }], { expected: 'any' })();
  if (E.isLeft(r)) throw new Error(r.left.message);
};

/** Resolves once `condition` holds, re-checked after each event the feed hands out (no sleeping). */
const until = (feed: ReturnType<typeof createLiveFeed>, condition: () => boolean) =>
  new Promise<void>((resolve) => {
    if (condition()) return resolve();
    const stop = feed.listenAll(() => {
      if (!condition()) return;
      // After the other listeners of this event had their turn.
      queueMicrotask(() => {
        stop();
        resolve();
      });
    });
  });

/** A store (memory by default) whose first `failures` subscriptions fail after handing out `after` events each. */
const failingStore = (failures: number, after: number, url = 'memory:', how: 'throw' | 'end' = 'throw') => {
  const inner = openStore(url) as ProjectedEventStore;
  let left = failures;
  const subscribeCalls: (string | undefined)[] = [];
  const store: ProjectedEventStore = {
    ...inner,
    subscribe(options = {}) {
      subscribeCalls.push(options.after);
      const fail = left-- > 0;
      return (async function* () {
        let handed = 0;
        for await (const event of inner.subscribe(options)) {
          if (fail && handed === after) {
            if (how === 'end') return;
            throw new Error('connection to the store lost (test)');
          }
          handed++;
          yield event;
        }
      })();
    },
  };
  return { store, subscribeCalls };
};

describe('the live feed', () => {
  it('ready() resolves only once the feed knows where it starts: a waiter reading after it misses nothing', async () => {
    const store = openStore('memory:');
    let openHead = () => {};
    const gate = new Promise<void>((resolve) => (openHead = resolve));
    const feed = createLiveFeed(store, {
      head: async () => {
        await gate;
        return (store as ProjectedEventStore).readModel.checkpoint();
      },
    });
    const seen: number[] = [];
    const stop = feed.listenAll((e) => seen.push((e.data as { n: number }).n));
    let ready = false;
    const waiting = feed.ready().then(() => (ready = true));
    // Appended while the feed still looks for the store's end: after ready(), a read of the store has it.
    await append(store, 's-1', 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    openHead();
    await waiting;
    const read: StoredEvent[] = [];
    for await (const e of store.readAll()) read.push(e);
    expect(read.map((e) => (e.data as { n: number }).n)).toEqual([1]);
    await append(store, 's-1', 2);
    await until(feed, () => seen.includes(2));
    expect(seen).toEqual([2]);
    stop();
    feed.close();
    await store.close();
  });

  it('hands every event appended after listenAll to it once, in order, until stopped', async () => {
    const store = openStore('memory:');
    await append(store, 'before', 0);
    const feed = createLiveFeed(store);
    const seen: string[] = [];
    const stop = feed.listenAll((e) => seen.push(`${e.streamId}:${(e.data as { n: number }).n}`));
    for (let i = 0; i < 5; i++) await append(store, `s-${i % 2}`, i);
    await until(feed, () => seen.length === 5);
    expect(seen).toEqual(['s-0:0', 's-1:1', 's-0:2', 's-1:3', 's-0:4']);
    stop();
    await append(store, 's-0', 5);
    expect(feed.stats()).toMatchObject({ listeners: 0, following: false });
    expect(seen).toHaveLength(5);
    await store.close();
  });

  it('serves 10,000 watchers of different jobs from one store subscription, each only its own job', async () => {
    const store = openStore('memory:');
    const feed = createLiveFeed(store);
    const got = new Map<string, number[]>();
    const stops: (() => void)[] = [];
    for (let i = 0; i < 10_000; i++) {
      const streamId = `job-${i}`;
      stops.push(
        feed.listen(streamId, undefined, (e) => got.set(streamId, [...(got.get(streamId) ?? []), e.version])),
      );
    }
    for (const i of [7, 7, 9_999, 7]) await append(store, `job-${i}`, i);
    await until(feed, () => (got.get('job-7')?.length ?? 0) === 3 && got.has('job-9999'));
    expect(Object.fromEntries(got)).toEqual({ 'job-7': [0, 1, 2], 'job-9999': [0] });
    expect(feed.stats()).toMatchObject({ listeners: 10_000, subscriptions: 1, following: true });
    for (const stop of stops) stop();
    expect(feed.stats().listeners).toBe(0);
    await store.close();
  });

  it('routes status changes to Pending and assignments to the claimable listeners only', async () => {
    const store = openStore('memory:');
    const feed = createLiveFeed(store);
    const claimable: string[] = [];
    const every: string[] = [];
    feed.listenClaimable((e) => claimable.push(e.type));
    feed.listenAll((e) => every.push(e.type));
    const put = (type: string, data: unknown) =>
      store.append('job-x', [{ type, data }], { expected: 'any' })();
    await put('JobStatusChanged', { from: 'Created', to: 'Pending' });
    await put('JobStatusChanged', { from: 'Pending', to: 'Claimed' });
    await put('JobAgentAssigned', { agentId: 'a' });
    await put('JobCommentAdded', { commentId: 'c', content: 'hi' });
    await until(feed, () => every.length === 4);
    expect(claimable).toEqual(['JobStatusChanged', 'JobAgentAssigned']);
    feed.close();
    await store.close();
  });

  it('keeps going when a listener throws, and reports the error', async () => {
    const store = openStore('memory:');
    const errors: unknown[] = [];
    const feed = createLiveFeed(store, { onError: (e) => errors.push(e) });
    const seen: number[] = [];
    feed.listenAll(() => {
      throw new Error('a broken listener');
    });
    feed.listenAll((e) => seen.push(e.version));
    await append(store, 's', 0);
    await append(store, 's', 1);
    await until(feed, () => seen.length === 2);
    expect(seen).toEqual([0, 1]);
    expect(errors.map(String)).toEqual(['Error: a broken listener', 'Error: a broken listener']);
    feed.close();
    await store.close();
  });

  it('resubscribes after the store fails, from its last event: no gap, no repeat', async () => {
    const { store, subscribeCalls } = failingStore(2, 3);
    const errors: unknown[] = [];
    const feed = createLiveFeed(store, { onError: (e) => errors.push(e), retryMinMs: 1, retryMaxMs: 5 });
    const seen: StoredEvent[] = [];
    feed.listenAll((e) => seen.push(e));
    for (let i = 0; i < 10; i++) await append(store, `s-${i % 3}`, i);
    await until(feed, () => seen.length === 10);
    expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(errors.map(String)).toEqual([
      'Error: connection to the store lost (test)',
      'Error: connection to the store lost (test)',
    ]);
    // The second and third subscriptions start after the last event handed out.
    expect(subscribeCalls.slice(1)).toEqual([seen[2]!.position, seen[5]!.position]);
    expect(feed.stats()).toMatchObject({
      subscriptions: 3,
      resubscriptions: 2,
      lastError: 'connection to the store lost (test)',
    });
    feed.close();
    await store.close();
  });

  it('follows again when the store ends its subscription without an error while listeners wait', async () => {
    const { store } = failingStore(1, 2, 'memory:', 'end');
    const errors: unknown[] = [];
    const feed = createLiveFeed(store, { onError: (e) => errors.push(e), retryMinMs: 1, retryMaxMs: 5 });
    const seen: number[] = [];
    feed.listenAll((e) => seen.push(e.version));
    for (let i = 0; i < 5; i++) await append(store, 's', i);
    await until(feed, () => seen.length === 5);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(errors.map(String)).toEqual(['Error: the subscription to memory: ended; following it again']);
    feed.close();
    await store.close();
  });

  it.each([
    ['memory', () => 'memory:'],
    ['SQLite', () => `sqlite:${join(tempDir(), 'feed.db')}`],
  ])("a pollJob waiting while the ledger's subscription fails still resolves (%s)", async (_name, url) => {
    const { store } = failingStore(1, 0, url());
    const feedErrors: unknown[] = [];
    const ledger = createJobLedger({ store, onFeedError: (e) => feedErrors.push(e) });
    const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    const agent = ledger.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });
    const job = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
    if (E.isLeft(job)) throw new Error(job.left.message);
    const waiting = alice.pollJob(job.right.id, { timeoutMs: 20_000 })();
    // The first event after the wait began breaks the feed's subscription; the feed resubscribes before it.
    expect(E.isRight(await agent.getJobForAgent({})())).toBe(true);
    for (const status of ['Running', 'Completed'] as const)
      expect(E.isRight(await agent.updateStatus(job.right.id, { status })())).toBe(true);
    expect(await waiting).toEqual(E.right('Completed'));
    expect(ledger.feed.stats().resubscriptions).toBe(1);
    expect(feedErrors.map(String)).toEqual(['Error: connection to the store lost (test)']);
    await ledger.close()();
  });
});
