import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import {
  comparePostgresPositions,
  parsePostgresPosition,
} from '../../../src/adapters/postgres/postgresPosition.js';
import { emptyTip, sealEvents } from '../../../src/adapters/sealEvents.js';
import { verifyLedger } from '../../../src/app/verifyLedger.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { defaultUpcasters } from '../../../src/domain/upcasters.js';
import { describePg, freshSchema, pgStores, pgUrl } from './pgTestServer.js';
import { collect } from './results.js';

const position = (e: StoredEvent) => parsePostgresPosition(e.position, 'test');

/**
 * Appends one event through `append_events` on a raw connection, in a transaction held open after the insert
 * until `hold()` resolves: the event gets its transaction id (and seq) early and commits late.
 */
const slowAppend = async (
  client: pg.Client,
  schema: string,
  streamId: string,
  version: number,
  hash: string,
  hold: () => Promise<unknown>,
): Promise<{ hash: string; committedAt: number; eventId: string }> => {
  const [event] = sealEvents(
    streamId,
    version === 0 ? emptyTip : { version: version - 1, hash },
    [{ type: 'Slow', data: { version } }],
    () => '',
  );
  await client.query('BEGIN');
  const r = await client.query<{ outcome: string }>(
    `SELECT outcome FROM "${schema}".append_events($1, $2, $3, $4::json, NULL)`,
    [
      streamId,
      version === 0 ? 'no-stream' : String(version - 1),
      version - 1,
      JSON.stringify([{ ...event, data: event!.data }]),
    ],
  );
  expect(r.rows[0]!.outcome).toBe('ok');
  await hold();
  await client.query('COMMIT');
  return { hash: event!.metadata.hash, committedAt: Date.now(), eventId: event!.eventId };
};

/** A promise and the function that resolves it: a signal one side gives and the other waits for. */
const signal = () => {
  let give!: () => void;
  const given = new Promise<void>((resolve) => (give = resolve));
  return { give, given };
};

/** Counts acknowledged appends; `reached(n)` resolves once n were counted, or once `end()` says no more come. */
const ackCounter = () => {
  let count = 0;
  let ended = false;
  let waiters: { at: number; resolve: () => void }[] = [];
  const settle = () => {
    const due = waiters.filter((w) => ended || count >= w.at);
    waiters = waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve();
  };
  return {
    count: () => count,
    add() {
      count++;
      settle();
    },
    end() {
      ended = true;
      settle();
    },
    reached: (at: number) =>
      new Promise<void>((resolve) => {
        waiters.push({ at, resolve });
        settle();
      }),
  };
};

describePg('Postgres global order under concurrent writers', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('20 writers on their own connections and transactions held open while others commit: a live subscriber sees every event once, in position order', async () => {
    const schema = freshSchema('writers');
    const writers = stores.open(schema, { poolSize: 20 });
    // Another instance: it learns of the writers' commits through NOTIFY, and of the raw ones by polling.
    const reader = stores.open(schema, { poolSize: 2, pollIntervalMs: 100 });
    await writers.migrate();

    const shortWriters = 20;
    const perWriter = 30;
    const slowWriters = 4;
    const perSlow = 5;
    const expected = shortWriters * perWriter + slowWriters * perSlow;
    const ackedAt = new Map<string, number>();

    const delivered: StoredEvent[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30_000);
    const subscriber = (async () => {
      for await (const e of reader.subscribe({ signal: controller.signal })) {
        delivered.push(e);
        if (delivered.length === expected) controller.abort();
      }
    })();

    const slowCommits: { eventId: string; committedAt: number }[] = [];
    const slowClients = await Promise.all(
      Array.from({ length: slowWriters }, async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        return client;
      }),
    );
    // The short writers start once every slow writer holds its first event open, and each slow writer commits
    // it only after more short appends were acknowledged: those come later in the order although they
    // committed first. Later holds wait for a few acknowledgements each (or for the short writers' end), so
    // transactions keep committing in another order than they started.
    const acks = ackCounter();
    const firstHeld = Array.from({ length: slowWriters }, () => signal());
    await Promise.all([
      ...slowClients.map(async (client, s) => {
        let hash = '';
        for (let v = 0; v < perSlow; v++) {
          const done = await slowAppend(client, schema, `slow-${s}`, v, hash, async () => {
            if (v === 0) firstHeld[s]!.give();
            if (v % 2 === 0) await acks.reached(acks.count() + 3 + 2 * s);
          });
          hash = done.hash;
          slowCommits.push(done);
        }
      }),
      (async () => {
        await Promise.all(firstHeld.map((held) => held.given));
        await Promise.all(
          Array.from({ length: shortWriters }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              const r = await writers.append(`short-${w}`, [{ type: 'Short', data: { w, i } }], {
                expected: i === 0 ? 'no-stream' : i - 1,
              })();
              if (E.isLeft(r)) throw new Error(r.left.message);
              ackedAt.set(r.right.events[0]!.eventId, Date.now());
              acks.add();
            }
          }),
        );
        acks.end();
      })(),
    ]);
    await Promise.all(slowClients.map((c) => c.end()));
    await subscriber;
    clearTimeout(timer);

    // Every event exactly once ...
    expect(delivered).toHaveLength(expected);
    expect(new Set(delivered.map((e) => e.eventId)).size).toBe(expected);
    // ... in strictly increasing positions, each stream in version order ...
    for (let i = 1; i < delivered.length; i++) {
      expect(comparePostgresPositions(position(delivered[i - 1]!), position(delivered[i]!))).toBeLessThan(0);
    }
    const versions = new Map<string, number[]>();
    for (const e of delivered) versions.set(e.streamId, [...(versions.get(e.streamId) ?? []), e.version]);
    for (const list of versions.values()) expect(list).toEqual(list.map((_, i) => i));
    // ... and the held transactions really committed after later ones: events acknowledged before a slow event
    // committed come after it in the order (at least each slow writer's first event, held that way). A reader
    // cursor on seq alone would have skipped the slow ones.
    const index = new Map(delivered.map((e, i) => [e.eventId, i]));
    const overtaken = slowCommits.filter(({ eventId, committedAt }) =>
      [...ackedAt].some(([id, at]) => at < committedAt && index.get(id)! > index.get(eventId)!),
    );
    expect(overtaken.length).toBeGreaterThanOrEqual(slowWriters);

    // readAll gives the same order, and resuming from any delivered position gives exactly the rest.
    expect((await collect(reader.readAll({ batchSize: 97 }))).map((e) => e.eventId)).toEqual(
      delivered.map((e) => e.eventId),
    );
    const middle = delivered[Math.floor(expected / 3)]!;
    expect((await collect(writers.readAll({ after: middle.position }))).map((e) => e.eventId)).toEqual(
      delivered.slice(Math.floor(expected / 3) + 1).map((e) => e.eventId),
    );
    const report = await verifyLedger(reader, defaultUpcasters);
    expect(report).toMatchObject({ ok: true, events: expected, problems: [] });
  }, 60_000);

  it('an unrelated long write transaction (another schema) does not hold readers back', async () => {
    const schema = freshSchema('unrelated');
    const other = freshSchema('unrelated_other');
    const store = stores.open(schema);
    await store.migrate();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`CREATE SCHEMA "${other}"`);
      await client.query(`CREATE TABLE "${other}".t (x int)`);
      await client.query(`INSERT INTO "${other}".t VALUES (1)`);
      // That transaction now has an id lower than the next append's, and stays open.
      const r = await store.append('mine', [{ type: 'A', data: {} }], { expected: 'no-stream' })();
      expect(E.isRight(r)).toBe(true);
      expect((await collect(store.readAll())).map((e) => e.streamId)).toEqual(['mine']);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('a writer of this schema in flight holds readers back until it commits, then nothing is missing', async () => {
    const schema = freshSchema('inflight');
    const store = stores.open(schema);
    await store.migrate();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      const inserted = signal();
      const commit = signal();
      const slow = slowAppend(client, schema, 'slow', 0, '', () => {
        inserted.give();
        return commit.given;
      });
      // The slow transaction has its event (and its transaction id) and stays open until told to commit.
      await inserted.given;
      const fast = await store.append('fast', [{ type: 'A', data: {} }], { expected: 'no-stream' })();
      expect(E.isRight(fast)).toBe(true);
      // The fast event is committed, but the slow transaction started first and may still add an event before
      // it in the order: it is not readable yet.
      expect(await collect(store.readAll())).toEqual([]);
      commit.give();
      await slow;
      expect((await collect(store.readAll())).map((e) => e.streamId)).toEqual(['slow', 'fast']);
    } finally {
      await client.end();
    }
  });
});
