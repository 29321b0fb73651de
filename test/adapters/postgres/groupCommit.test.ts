import * as E from 'fp-ts/lib/Either.js';
import { afterAll, expect, it } from 'vitest';
import type { AppendResult } from '../../../src/domain/EventStore.js';
import { describePg, freshSchema, pgStores } from './pgTestServer.js';
import { collect } from './results.js';

describePg('Postgres group commit', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('concurrent appends share transactions, and each is answered on its own', async () => {
    // One transaction in flight: everything that arrives meanwhile waits for the next one, together.
    const store = stores.open(freshSchema('group'), { maxAppendTransactions: 1 });
    await store.migrate();
    const existing = await store.append('s-existing', [{ type: 'Seed', data: {} }], {
      expected: 'no-stream',
    })();
    expect(E.isRight(existing)).toBe(true);
    const before = store.stats();

    const appends = Array.from({ length: 24 }, (_, i) =>
      store.append(`s-${i}`, [{ type: 'Step', data: { i } }], { expected: 'no-stream' })(),
    );
    // In the same batches: a wrong expectation and an append to a stream that exists.
    const wrong = store.append('s-missing', [{ type: 'Step', data: {} }], { expected: 'exists' })();
    const taken = store.append('s-existing', [{ type: 'Step', data: {} }], { expected: 'no-stream' })();
    const results = await Promise.all(appends);

    expect(results.every(E.isRight)).toBe(true);
    const w = await wrong;
    expect(E.isLeft(w) && w.left).toMatchObject({ _tag: 'WrongExpectedVersion', actual: 'no-stream' });
    const t = await taken;
    expect(E.isLeft(t) && t.left).toMatchObject({ _tag: 'WrongExpectedVersion', actual: 0 });

    const after = store.stats();
    const commands = after.commands - before.commands;
    const transactions = after.transactions - before.transactions;
    expect(commands).toBe(26);
    expect(transactions).toBeLessThan(commands);
    // All 24 events are there once, and the refused appends stored nothing.
    const events = await collect(store.readAll());
    expect(events.filter((e) => e.type === 'Step')).toHaveLength(24);
    expect(events.filter((e) => e.streamId === 's-missing')).toHaveLength(0);
    // One transaction id per batch: events of one batch share it in their positions.
    const txIds = new Set(events.filter((e) => e.type === 'Step').map((e) => e.position.split(':')[0]));
    expect(txIds.size).toBeLessThan(24);
  });

  it('a batch that fails as a whole is sent again append by append: only the faulty append fails', async () => {
    const store = stores.open(freshSchema('group_fail'), { maxAppendTransactions: 1 });
    await store.migrate();
    const eventId = '7d0f2d1e-5a4b-4c39-8f5e-6a7b8c9d0e1f';
    const first = await store.append('s-first', [{ eventId, type: 'Once', data: {} }], {
      expected: 'no-stream',
    })();
    expect(E.isRight(first)).toBe(true);

    // A burst in which one append reuses the event id: its batch fails on the unique event id.
    const burst: Promise<E.Either<unknown, AppendResult>>[] = [];
    for (let i = 0; i < 12; i++) {
      burst.push(store.append(`s-ok-${i}`, [{ type: 'Fine', data: { i } }], { expected: 'no-stream' })());
      if (i === 5) {
        burst.push(
          store.append('s-dup', [{ eventId, type: 'Again', data: {} }], { expected: 'no-stream' })(),
        );
      }
    }
    const results = await Promise.all(burst);
    const failed = results.filter(E.isLeft);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.left).toMatchObject({ _tag: 'StoreError' });
    expect(String((failed[0]!.left as { message: string }).message)).toContain('s-dup');
    const events = await collect(store.readAll());
    expect(events.filter((e) => e.type === 'Fine')).toHaveLength(12);
    expect(events.filter((e) => e.streamId === 's-dup')).toHaveLength(0);
  });
});
