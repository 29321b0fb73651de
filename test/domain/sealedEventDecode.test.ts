import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobEventTypes } from '../../src/domain/codecs/events.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import { decodeJobEvent, decodeJobEventFully } from '../../src/domain/upcasters.js';
import { jobLogArb } from '../../src/testing/storedEvents.js';

// decodeJobEvent checks sealed events of the current schema version with the codecs' type guards only; the full
// decode is the reference. Both must answer the same for every event, well-formed or not.

/** A value that breaks a member in some way: wrong type, empty, too long, control characters, gone. */
const badValueArb = fc.oneof(
  fc.anything(),
  fc.constantFrom(undefined, null, '', 'x'.repeat(70_000), 'a\u0001b', -1, 1.5, 'Nope', [], {}),
);

/** An event whose data lost, gained or changed a member, possibly nested, or whose type/version changed. */
const mutatedArb = (event: StoredEvent): fc.Arbitrary<StoredEvent> => {
  const data = event.data as Record<string, unknown>;
  const keys = Object.keys(data);
  const nestedKeys = keys.filter((k) => typeof data[k] === 'object' && data[k] !== null);
  return fc.oneof(
    fc.record({ key: fc.constantFrom(...keys, 'extra'), value: badValueArb }).map(({ key, value }) => ({
      ...event,
      data: { ...data, [key]: value },
    })),
    ...(keys.length > 0
      ? [
          fc.constantFrom(...keys).map((key) => {
            const { [key]: _gone, ...rest } = data;
            return { ...event, data: rest };
          }),
        ]
      : []),
    ...(nestedKeys.length > 0
      ? [
          fc
            .record({ key: fc.constantFrom(...nestedKeys), inner: fc.string(), value: badValueArb })
            .map(({ key, inner, value }) => ({
              ...event,
              data: { ...data, [key]: { ...(data[key] as object), [inner]: value } },
            })),
        ]
      : []),
    badValueArb.map((value) => ({ ...event, data: value })),
    fc.constantFrom(...jobEventTypes, 'JobTeleported').map((type) => ({ ...event, type })),
    fc.integer({ min: -1, max: 3 }).map((schemaVersion) => ({ ...event, schemaVersion })),
  );
};

const eventArb: fc.Arbitrary<StoredEvent> = jobLogArb({ jobs: 2, maxSteps: 10 })
  .chain((log) => fc.constantFrom(...log))
  .chain((event) => fc.oneof(fc.constant(event), mutatedArb(event)));

describe('decodeJobEvent: the type-guard path of sealed events', () => {
  it('answers exactly what the full decode answers, for sound and damaged events alike', () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        expect(decodeJobEvent(event)).toStrictEqual(decodeJobEventFully(event));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands back the stored data itself when it is sound (no copy)', () => {
    fc.assert(
      fc.property(
        jobLogArb({ jobs: 1 }).chain((log) => fc.constantFrom(...log)),
        (event) => {
          const decoded = decodeJobEvent(event);
          expect(decoded._tag === 'Right' && decoded.right.data).toBe(event.data);
        },
      ),
    );
  });

  it('still names the failing path of a damaged sealed event', () => {
    const decoded = decodeJobEvent({
      type: 'JobCreated',
      schemaVersion: 1,
      data: {
        jobId: 'j1',
        tenantId: 't1',
        function: { id: 'fn' },
        file: { name: '' },
        statusId: 's',
        archiveStatusId: 'a',
      },
    });
    expect(decoded).toMatchObject({
      left: { _tag: 'ValidationError', issues: [{ path: 'data.file.name' }] },
    });
  });
});
