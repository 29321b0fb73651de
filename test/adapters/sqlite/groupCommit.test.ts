import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteEventStore, type SqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { tempDatabases } from './tempDatabase.js';

const databases = tempDatabases();
afterAll(() => databases.cleanup());

const collect = async (it: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> => {
  const out: StoredEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

describe('group commit', () => {
  let store: SqliteEventStore;
  beforeEach(() => {
    store = sqliteEventStore({ file: databases.file() });
  });
  afterEach(async () => {
    await store.close();
  });

  it('decides 100 concurrent commands in few transactions; every third one fails alone', async () => {
    const before = store.stats().transactions;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        store.execute!(`job-g${i}`, (stream) =>
          i % 3 === 0
            ? E.left({ _tag: 'Refused', i })
            : E.right([{ type: 'Decided', data: { i, seen: stream.length } }]),
        )(),
      ),
    );
    expect(store.stats().transactions - before).toBeLessThanOrEqual(2);
    results.forEach((r, i) => {
      if (i % 3 === 0) expect(r).toEqual(E.left({ _tag: 'Refused', i }));
      else expect(r).toMatchObject({ _tag: 'Right', right: { nextVersion: 1 } });
    });
    const all = await collect(store.readAll());
    expect(all.map((e) => (e.data as { i: number }).i)).toEqual(
      Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 !== 0),
    );
    // Positions are dense: a refused command leaves no gap.
    expect(all.map((e) => e.position)).toEqual(all.map((_, k) => String(k + 1)));
  });

  it('lets commands on one stream in one transaction see each other: no conflicts, no gaps', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.execute!('job-one', (stream) =>
          E.right([{ type: 'Step', data: { i, after: stream.length } }]),
        )(),
      ),
    );
    expect(results.every(E.isRight)).toBe(true);
    const events = await collect(store.readStream('job-one'));
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(events.map((e) => (e.data as { after: number }).after)).toEqual(events.map((e) => e.version));
    expect(events.every((e, i) => i === 0 || e.metadata.prevHash === events[i - 1]!.metadata.hash)).toBe(
      true,
    );
  });

  it('turns a throwing decider or an unstorable event into a StoreError for that command only', async () => {
    const [thrown, bad, good] = await Promise.all([
      store.execute!('job-a', () => {
        throw new Error('decider exploded');
      })(),
      store.execute!('job-b', () => E.right([{ type: 'Big', data: { n: 10n } }]))(),
      store.execute!('job-c', () => E.right([{ type: 'Fine', data: {} }]))(),
    ]);
    expect(E.isLeft(thrown) && thrown.left).toMatchObject({
      _tag: 'StoreError',
      message: expect.stringContaining('decider exploded'),
    });
    expect(E.isLeft(bad) && bad.left).toMatchObject({ _tag: 'StoreError' });
    expect(E.isRight(good)).toBe(true);
    expect((await collect(store.readAll())).map((e) => e.streamId)).toEqual(['job-c']);
  });

  it('rolls back a command whose event id is already stored, keeping the others', async () => {
    const eventId = '7d7c0f2a-0d4e-4a55-9b1a-1f2e3d4c5b6a';
    await store.append('s-1', [{ eventId, type: 'A', data: {} }], { expected: 'no-stream' })();
    const [dup, ok] = await Promise.all([
      store.append(
        's-2',
        [
          { type: 'B', data: {} },
          { eventId, type: 'A', data: {} },
        ],
        { expected: 'no-stream' },
      )(),
      store.append('s-3', [{ type: 'C', data: {} }], { expected: 'no-stream' })(),
    ]);
    expect(E.isLeft(dup) && dup.left._tag).toBe('StoreError');
    expect(E.isRight(ok)).toBe(true);
    expect(await collect(store.readStream('s-2'))).toEqual([]);
  });

  it('shares transactions between plain appends too, each checked against its own expectation', async () => {
    const before = store.stats().transactions;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.append(`s-${i % 10}`, [{ type: 'A', data: { i } }], { expected: 'any' })(),
      ),
    );
    expect(results.every(E.isRight)).toBe(true);
    expect(store.stats().transactions - before).toBeLessThanOrEqual(2);
    for (let s = 0; s < 10; s++) {
      expect((await collect(store.readStream(`s-${s}`))).map((e) => e.version)).toEqual([0, 1, 2, 3]);
    }
  });

  it('projects in the transaction of the append: a read after a write sees it', async () => {
    const appended = await store.append(
      'job-rw',
      [
        {
          type: 'JobCreated',
          data: {
            jobId: 'rw',
            tenantId: 't1',
            function: { id: 'fn-1' },
            file: { name: 'params.json' },
            statusId: 's-1',
            archiveStatusId: 'a-1',
          },
          metadata: { actor: { kind: 'user', id: 'u-1' } },
        },
      ],
      { expected: 'no-stream' },
    )();
    expect(E.isRight(appended)).toBe(true);
    const state = await store.readModel.getJob('rw');
    expect(state).toMatchObject({ status: 'Created', version: 0, job: { id: 'rw', createdById: 'u-1' } });
    expect(await store.readModel.checkpoint()).toBe(E.isRight(appended) ? appended.right.position : null);
  });
});
