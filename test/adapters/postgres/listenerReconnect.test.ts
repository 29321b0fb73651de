import * as E from 'fp-ts/lib/Either.js';
import { afterAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { describePg, freshSchema, pgStores, sql, waitFor } from './pgTestServer.js';

// Polling is slowed to a minute below; each wait is a third of that, so whatever arrives was woken by a
// notification, and a loaded machine still has time.
const pollIntervalMs = 60_000;
const within = pollIntervalMs / 3;

describePg('Postgres LISTEN/NOTIFY', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('a subscriber whose listening connection is killed keeps getting other instances’ events, nothing missed', async () => {
    const schema = freshSchema('listener');
    const applicationName = `jl-listener-${process.pid}-${Date.now()}`;
    // Polling is slowed to a minute: within this test only notifications can wake the subscriber.
    const a = stores.open(schema, { applicationName, pollIntervalMs });
    const b = stores.open(schema);
    await a.migrate();

    const seen: StoredEvent[] = [];
    const controller = new AbortController();
    const subscriber = (async () => {
      for await (const e of a.subscribe({ signal: controller.signal })) seen.push(e);
    })();
    const listenerPid = async (): Promise<number | undefined> =>
      (
        await sql<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`,
          [applicationName],
        )
      )[0]?.pid;
    let first: number | undefined;
    await waitFor('the listener connects', async () => (first = await listenerPid()) !== undefined, within);

    const append = async (n: number) => {
      const r = await b.append('s', [{ type: 'N', data: { n } }], {
        expected: n === 0 ? 'no-stream' : n - 1,
      })();
      if (E.isLeft(r)) throw new Error(r.left.message);
    };
    await append(0);
    await waitFor('event 0 arrives', () => seen.length === 1, within);

    expect(await sql(`SELECT pg_terminate_backend($1) AS ok`, [first])).toEqual([{ ok: true }]);
    // Appended while nobody listens: the reconnected listener wakes the subscriber, which reads from where it was.
    await append(1);
    let second: number | undefined;
    await waitFor(
      'the listener reconnects',
      async () => (second = await listenerPid()) !== undefined && second !== first,
      within,
    );
    await waitFor('event 1 arrives', () => seen.length === 2, within);
    await append(2);
    await waitFor('event 2 arrives', () => seen.length === 3, within);

    controller.abort();
    await subscriber;
    expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2]);
  }, 100_000);
});
