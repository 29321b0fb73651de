/**
 * Recipe: your own event-store adapter passes `eventStoreContract`, and agrees with a reference store under
 * random appends.
 *
 * `eventStoreContract(name, open)` is the suite every built-in adapter passes (DESIGN section 6): expectation
 * kinds, atomicity, conflicts, hash chains, global order, live subscriptions under many writers. Its cases are
 * fixed; add a property that replays random append sequences (any stream, any expectation) on your adapter and
 * on jobledger's memory store, and compares the answers, to find the combination nobody wrote down.
 *
 * A deliberately broken variant of the adapter (`expectsExistsLikeAny`: it lets `expected: 'exists'` append to a
 * missing stream) fails the contract case "'exists' on a missing stream fails with actual 'no-stream'", and the
 * property shrinks to an 'exists' on the missing stream `a` (fast-check leaves a second append behind; the
 * first one already differs):
 *
 *   Property failed after 1 tests
 *   { seed: 11, path: "0:2:2:2", endOnFailure: true }
 *   Counterexample: [[{"stream":"a","expected":"exists","count":1},{"stream":"a","expected":0,"count":1}]]
 *   Shrunk 3 time(s)
 *   Got error: AssertionError: expected { _tag: 'Right', …(1) } to deeply equal { _tag: 'Left', …(1) }
 *
 * The last test of this file checks that the broken variant is caught with that counterexample.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryEventStore, type EventStore, type ExpectedVersion } from 'jobledger';
import { eventStoreContract } from 'jobledger/testing';
import { arrayEventStore } from './support/arrayEventStore.js';

eventStoreContract('array (the recipe’s own adapter)', () => arrayEventStore(), {
  writers: 4,
  eventsPerWriter: 10,
});

interface Append {
  readonly stream: 'a' | 'b';
  readonly expected: ExpectedVersion;
  readonly count: number;
}

const appendArb: fc.Arbitrary<Append> = fc.record({
  stream: fc.constantFrom('a' as const, 'b' as const),
  expected: fc.oneof(fc.constantFrom<ExpectedVersion>('no-stream', 'exists', 'any'), fc.nat({ max: 3 })),
  count: fc.integer({ min: 1, max: 2 }),
});

/** What an append answered, without what legitimately differs between stores (ids, times, positions). */
const outcome = async (store: EventStore, a: Append) => {
  const events = Array.from({ length: a.count }, (_, i) => ({ type: 'Tested', data: { i } }));
  const r = await store.append(a.stream, events, { expected: a.expected })();
  return E.isLeft(r)
    ? E.left(r.left._tag === 'WrongExpectedVersion' ? { actual: r.left.actual } : { error: r.left._tag })
    : E.right({ nextVersion: r.right.nextVersion });
};

const agreesWithReference = (open: () => EventStore) =>
  fc.asyncProperty(fc.array(appendArb, { minLength: 1, maxLength: 12 }), async (appends) => {
    const [mine, reference] = [open(), memoryEventStore()];
    try {
      for (const a of appends) expect(await outcome(mine, a)).toEqual(await outcome(reference, a));
    } finally {
      await Promise.all([mine.close(), reference.close()]);
    }
  });

describe('recipe: your event-store adapter', () => {
  it('answers every random append sequence as the reference store does', async () => {
    await fc.assert(
      agreesWithReference(() => arrayEventStore()),
      { numRuns: 100 },
    );
  });

  it('the broken variant (exists on a missing stream appends) is caught and shrunk to an exists on a missing stream', async () => {
    const result = await fc.check(
      agreesWithReference(() => arrayEventStore({ expectsExistsLikeAny: true })),
      { numRuns: 100, seed: 11 },
    );
    expect(result.failed).toBe(true);
    const [appends] = result.counterexample!;
    expect(appends[0]).toEqual({ stream: 'a', expected: 'exists', count: 1 });
    expect(appends.length).toBeLessThanOrEqual(2);
  });
});
