import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { tempDatabases } from './tempDatabase.js';

const databases = tempDatabases();
afterAll(() => databases.cleanup());

describe('subscribe on a shared file', () => {
  it('sees appends made through another store object on the same file, each once, in order', async () => {
    const file = databases.file();
    const reader = sqliteEventStore({ file });
    const writer = sqliteEventStore({ file });
    await writer.append('s-0', [{ type: 'A', data: { n: 0 } }], { expected: 'no-stream' })();

    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    const following = (async () => {
      for await (const e of reader.subscribe({ signal: controller.signal })) {
        seen.push(e);
        if (seen.length === 21) controller.abort();
      }
    })();
    for (let n = 1; n <= 20; n++) {
      const r = await writer.append(`s-${n % 3}`, [{ type: 'A', data: { n } }], { expected: 'any' })();
      expect(E.isRight(r)).toBe(true);
      if (n % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const timer = setTimeout(() => controller.abort(), 10_000);
    await following;
    clearTimeout(timer);
    expect(seen.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 21 }, (_, n) => n));
    expect(seen.map((e) => e.position)).toEqual(seen.map((_, k) => String(k + 1)));
    // The other connection's appends were projected too: the reader's read model sees them.
    expect(await reader.readModel.checkpoint()).toBe('21');
    await writer.close();
    await reader.close();
  });

  it('ends a waiting subscription when the store closes', async () => {
    const store = sqliteEventStore({ file: databases.file() });
    const done = (async () => {
      const seen = [];
      for await (const e of store.subscribe()) seen.push(e);
      return seen;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.close();
    expect(await done).toEqual([]);
  });
});
