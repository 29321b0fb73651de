import * as E from 'fp-ts/lib/Either.js';
import { expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';

it('the memory store refuses an event id it already holds, like the SQL stores, and stores nothing of it', async () => {
  const store = memoryEventStore();
  const eventId = '5f1d6c1e-8b0a-4a57-9d55-2f0e3c4b5a69';
  const first = await store.append('s-1', [{ eventId, type: 'A', data: {} }], { expected: 'no-stream' })();
  expect(E.isRight(first)).toBe(true);

  const again = await store.append(
    's-2',
    [
      { type: 'B', data: {} },
      { eventId, type: 'A', data: {} },
    ],
    {
      expected: 'no-stream',
    },
  )();
  expect(E.isLeft(again) && again.left).toMatchObject({ _tag: 'StoreError' });
  expect(E.isLeft(again) && again.left.message).toContain(eventId);

  const twice = await store.append(
    's-3',
    [
      { eventId: 'x-1', type: 'A', data: {} },
      { eventId: 'x-1', type: 'A', data: {} },
    ],
    {
      expected: 'no-stream',
    },
  )();
  expect(E.isLeft(twice)).toBe(true);

  const all: string[] = [];
  for await (const e of store.readAll()) all.push(e.streamId);
  expect(all).toEqual(['s-1']);
  // The refused appends left their streams free.
  const later = await store.append('s-2', [{ type: 'B', data: {} }], { expected: 'no-stream' })();
  expect(E.isRight(later)).toBe(true);
});
