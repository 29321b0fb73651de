import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  UnavailableError,
} from '@kurrent/kurrentdb-client';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { kurrentdbEventStore } from '../../../src/adapters/kurrentdb/kurrentdbEventStore.js';
import { parseKurrentdbUrl } from '../../../src/adapters/kurrentdb/kurrentdbUrl.js';
import { fakeKurrentClient } from './fakeKurrentClient.js';

// No KurrentDB server runs here: these stand in for it at the client boundary (fakeKurrentClient.ts) to show
// what only a faulty or old server can make happen. kurrentdbServer.test.ts has the same cases on a real one.
const open = (fake: ReturnType<typeof fakeKurrentClient>, version = '24.10.0') =>
  kurrentdbEventStore({
    connectionString: 'kurrentdb://fake:2113?tls=false',
    client: fake.client,
    serverVersion: async () => version,
    appendRetryMs: 5_000,
  });

const event = (n: number) => ({ type: 'N', data: { n } });

describe('KurrentDB appends whose answer is lost', () => {
  it.each([
    ['its deadline passed', () => new DeadlineExceededError()],
    [
      'the leader changed',
      // As the client makes it from the server's answer: the new leader in the metadata.
      () =>
        new NotLeaderError({
          metadata: { 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' },
        } as never),
    ],
    ['the node went away', () => new UnavailableError()],
  ])(
    'when %s after it was written, the identical request is sent again and answered once as a success',
    async (_, error) => {
      const fake = fakeKurrentClient();
      const store = open(fake);
      expect(E.isRight(await store.append('job-1', [event(0)], { expected: 'no-stream' })())).toBe(true);
      fake.script({ writeThenThrow: error() });
      const appended = await store.append('job-1', [event(1), event(2)], { expected: 0 })();
      expect(E.isRight(appended) && appended.right.nextVersion).toBe(3);
      const [, lost, again] = fake.appends;
      expect(again).toEqual(lost);
      expect(fake.streams.get('job-1')!.map((r) => r.revision)).toEqual([0n, 1n, 2n]);
      await store.close();
    },
  );

  it('when it failed before being written, the resend writes it', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    fake.script({ throw: new DeadlineExceededError() }, { throw: new UnavailableError() });
    const appended = await store.append('job-2', [event(0)], { expected: 'no-stream' })();
    expect(E.isRight(appended)).toBe(true);
    expect(fake.appends).toHaveLength(3);
    expect(
      new Set(fake.appends.map((a) => JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v)))),
    ).toHaveProperty('size', 1);
    expect(fake.streams.get('job-2')).toHaveLength(1);
    await store.close();
  });

  it('a conflict after a lost answer is a success when the stream holds this append at its revision', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    // The resend is not recognised as the same write (the server's idempotence window passed): a conflict.
    fake.script({ writeThenThrow: new DeadlineExceededError() }, 'no-idempotence');
    const appended = await store.append('job-3', [event(0)], { expected: 'no-stream' })();
    expect(E.isRight(appended)).toBe(true);
    if (E.isRight(appended)) expect(appended.right.events[0]!.position).toBe('1100:1100');
    expect(fake.streams.get('job-3')).toHaveLength(1);
    await store.close();
  });

  it('a conflict after a lost answer is a conflict when someone else wrote the stream, with its true version', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    const other = open(fake);
    fake.script({ throw: new DeadlineExceededError() });
    const appending = store.append('job-4', [event(0)], { expected: 'no-stream' })();
    while (fake.appends.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // Another writer gets in while the first waits to send again.
    expect(E.isRight(await other.append('job-4', [event(9), event(10)], { expected: 'no-stream' })())).toBe(
      true,
    );
    const appended = await appending;
    expect(appended).toMatchObject({ _tag: 'Left', left: { _tag: 'WrongExpectedVersion', actual: 1 } });
    await Promise.all([store.close(), other.close()]);
  });

  it('gives up after appendRetryMs with a StoreError', async () => {
    const fake = fakeKurrentClient();
    const store = kurrentdbEventStore({
      connectionString: 'kurrentdb://fake:2113',
      client: fake.client,
      serverVersion: async () => '25.0.0',
      appendRetryMs: 300,
    });
    fake.script(...Array.from({ length: 20 }, () => ({ throw: new UnavailableError() })));
    const appended = await store.append('job-5', [event(0)], { expected: 'no-stream' })();
    expect(appended).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
    expect(fake.streams.has('job-5')).toBe(false);
    await store.close();
  });
});

describe('KurrentDB append answers', () => {
  it('a conflict the client reports as a value (success: false) is a WrongExpectedVersion, never a success', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    expect(E.isRight(await store.append('job-6', [event(0), event(1)], { expected: 'no-stream' })())).toBe(
      true,
    );
    fake.script('conflict-as-value');
    const appended = await store.append('job-6', [event(2)], { expected: 'no-stream' })();
    expect(appended).toMatchObject({ _tag: 'Left', left: { _tag: 'WrongExpectedVersion', actual: 1 } });
    expect(fake.streams.get('job-6')).toHaveLength(2);
    await store.close();
  });

  it('a URL with throwOnAppendFailure=false is refused, saying why', () => {
    expect(() => parseKurrentdbUrl('kurrentdb://h:2113?tls=false&throwOnAppendFailure=false')).toThrow(
      /throwOnAppendFailure=false .* is not supported: .*remove the parameter/,
    );
  });

  it('an append over the server’s MaxAppendSize is a StoreError that says what to change', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    fake.script({ throw: MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576) });
    const appended = await store.append('job-7', [{ type: 'Big', data: { text: 'x'.repeat(2_000_000) } }], {
      expected: 'no-stream',
    })();
    expect(appended).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
    expect(E.isLeft(appended) && appended.left.message).toMatch(
      /exceeds the server's MaxAppendSize of 1048576 bytes: append fewer events at once \(jobledger copy --batch-bytes\), or raise MaxAppendSize/,
    );
    await store.close();
  });

  it('the tip comes from the leader, and is not read again after a read of the whole stream or an own append', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    expect(E.isRight(await store.append('job-8', [event(0)], { expected: 'no-stream' })())).toBe(true);
    expect(E.isRight(await store.append('job-8', [event(1)], { expected: 0 })())).toBe(true);
    expect(fake.reads.filter((r) => r.backwards)).toEqual([]);
    const reader = open(fake);
    for await (const _ of reader.readStream('job-8'));
    expect(E.isRight(await reader.append('job-8', [event(2)], { expected: 1 })())).toBe(true);
    expect(fake.reads.filter((r) => r.backwards)).toEqual([]);
    // A store that knows nothing of the stream reads its tip, on the leader.
    const fresh = open(fake);
    expect(E.isRight(await fresh.append('job-8', [event(3)], { expected: 'any' })())).toBe(true);
    expect(fake.reads.filter((r) => r.backwards)).toEqual([
      { streamId: 'job-8', backwards: true, requiresLeader: true },
    ]);
    // A remembered tip that went stale costs a conflict from the server, and the append chains after the real tip.
    expect(E.isRight(await store.append('job-8', [event(4)], { expected: 'any' })())).toBe(true);
    expect(fake.streams.get('job-8')!.map((r) => (r.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
    await Promise.all([store.close(), reader.close(), fresh.close()]);
  });
});

describe('KurrentDB servers and rights', () => {
  it.each(['21.10.9', '22.2.0', 'unknown'])(
    'refuses a server reporting version %s at the first call',
    async (version) => {
      const fake = fakeKurrentClient();
      const store = open(fake, version);
      const appended = await store.append('job-9', [event(0)], { expected: 'no-stream' })();
      expect(appended).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
      expect(E.isLeft(appended) && appended.left.message).toMatch(
        /needs EventStoreDB 22\.6 or later .*Upgrade the server/,
      );
      expect(fake.appends).toEqual([]);
      await expect(async () => {
        for await (const _ of store.readAll());
      }).rejects.toThrow(/needs EventStoreDB 22\.6/);
      await store.close();
    },
  );

  it.each(['22.6.0', '23.10.1', '25.0.0-rc.1'])(
    'works with a server reporting version %s',
    async (version) => {
      const store = open(fakeKurrentClient(), version);
      expect(E.isRight(await store.append('job-10', [event(0)], { expected: 'no-stream' })())).toBe(true);
      await store.close();
    },
  );

  it('refuses events read without positions (a server before 22.6 that reports no version)', async () => {
    const fake = fakeKurrentClient({ positions: 'none' });
    const store = open(fake);
    expect(E.isRight(await store.append('job-11', [event(0)], { expected: 'no-stream' })())).toBe(true);
    await expect(async () => {
      for await (const _ of store.readStream('job-11'));
    }).rejects.toThrow(/no \$all positions .*22\.6 or later/);
    await store.close();
  });

  it('answers a refused read of $all with what the user needs (AccessDenied: $admins)', async () => {
    const fake = fakeKurrentClient();
    const refused = {
      ...fake.client,
      readAll: () =>
        (async function* () {
          yield* [];
          throw new AccessDeniedError();
        })(),
    } as typeof fake.client;
    const store = kurrentdbEventStore({
      connectionString: 'kurrentdb://ops:secret@fake:2113',
      client: refused,
      serverVersion: async () => '24.10.0',
    });
    await expect(async () => {
      for await (const _ of store.readAll());
    }).rejects.toThrow(/reading \$all was refused \(AccessDenied\): .*\$admins/);
    await expect(store.logBounds()).rejects.toThrow(/AccessDenied/);
    await store.close();
  });

  it('subscribes with a search window of 1024 records, a checkpoint after each', async () => {
    const fake = fakeKurrentClient();
    const store = open(fake);
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _ of store.subscribeItems({ signal: controller.signal }));
    })();
    for (let i = 0; i < 100 && fake.subscribeOptions() === undefined; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(fake.subscribeOptions()).toMatchObject({
      filter: { maxSearchWindow: 1024, checkpointInterval: 1 },
    });
    controller.abort();
    await reading;
    await store.close();
  });
});
