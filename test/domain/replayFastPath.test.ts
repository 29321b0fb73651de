import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, initialJobState, type JobState } from '../../src/domain/jobState.js';
import { foldJobStream } from '../../src/domain/replay.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import { decodeJobEventFully } from '../../src/domain/upcasters.js';
import type { ValidationError } from '../../src/domain/errors.js';
import { jobLogArb } from '../../src/testing/storedEvents.js';

// The fold as it was before sealed events skipped the full decode: every event through io-ts, then evolve.
const foldFully = (events: readonly StoredEvent[]): E.Either<ValidationError, JobState> => {
  let state = initialJobState;
  for (const event of events) {
    const decoded = decodeJobEventFully(event);
    if (E.isLeft(decoded)) return decoded;
    state = evolve(state, decoded.right, {
      at: new Date(event.metadata.recordedAt),
      actor: event.metadata.actor,
      version: event.version,
    });
  }
  return E.right(state);
};

const byStream = (log: readonly StoredEvent[]): StoredEvent[][] => {
  const streams = new Map<string, StoredEvent[]>();
  for (const e of log) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
  return [...streams.values()];
};

/** Damage to one event's data: a member of the wrong type, an empty id, a status nobody knows, no data. */
const damageArb = fc.constantFrom(
  (d: Record<string, unknown>) => ({ ...d, statusId: 42 }),
  (d: Record<string, unknown>) => ({ ...d, jobId: '' }),
  (d: Record<string, unknown>) => ({ ...d, to: 'Nowhere' }),
  (d: Record<string, unknown>) => ({ ...d, file: { name: 7 } }),
  () => null,
);

describe('foldJobStream with the type-guard decode', () => {
  it('folds every stream of a log, sound or damaged, to what the full decode folds it to', () => {
    fc.assert(
      fc.property(
        jobLogArb({ jobs: 4, maxSteps: 12 }),
        fc.array(fc.record({ at: fc.nat(), damage: damageArb }), { maxLength: 3 }),
        (log, damages) => {
          const damaged = [...log];
          for (const { at, damage } of damages) {
            const e = damaged[at % damaged.length]!;
            damaged[at % damaged.length] = { ...e, data: damage(e.data as Record<string, unknown>) };
          }
          for (const stream of byStream(damaged))
            expect(foldJobStream(stream)).toStrictEqual(foldFully(stream));
        },
      ),
      { numRuns: 300 },
    );
  });
});
