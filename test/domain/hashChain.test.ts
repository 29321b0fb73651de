import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, hashMatches } from '../../src/domain/hashChain.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';

/** The definition, written the plain way: keys sorted at every depth, `undefined` members left out. */
const reference = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
};

const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, true, false),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('canonicalJson', () => {
  it('equals the plain definition (sorted keys, undefined members left out) for any JSON-like value', () => {
    fc.assert(
      fc.property(valueArb, (value) => canonicalJson(value) === reference(value)),
      {
        numRuns: 500,
      },
    );
  });

  it('stays exact past its key cache: thousands of distinct keys, quotes and unicode in them', () => {
    const wide = Object.fromEntries(
      Array.from({ length: 6000 }, (_, k) => [`k"${k}\u2028é`, k % 3 === 0 ? undefined : k]),
    );
    expect(canonicalJson(wide)).toBe(reference(wide));
    expect(canonicalJson(wide)).toBe(reference(wide));
  });

  it('refuses a non-finite number', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('hashMatches', () => {
  // The definition: sha256 of prevHash + the canonical JSON of the event without position and metadata.hash.
  const referenceHash = (e: Record<string, unknown> & { metadata: Record<string, unknown> }): string => {
    const { position: _position, ...rest } = e;
    const { hash: _hash, ...metadata } = e.metadata;
    return createHash('sha256')
      .update(`${e.metadata.prevHash as string}${reference({ ...rest, metadata })}`)
      .digest('hex');
  };
  const dict = fc.dictionary(fc.string({ maxLength: 8 }), valueArb, { maxKeys: 4 });
  const eventArb = fc.record({
    eventId: fc.string(),
    streamId: fc.string(),
    version: fc.nat(),
    position: fc.string(),
    type: fc.string(),
    schemaVersion: fc.nat(),
    data: dict,
    metadata: fc.tuple(dict, fc.string(), fc.boolean()).map(([extra, prevHash, withPosition]) => ({
      ...extra,
      ...(withPosition && { position: 'kept: only the top-level position is left out' }),
      prevHash,
    })),
  });

  it('is true exactly when the stored hash is the definition of the event without position and hash', () => {
    fc.assert(
      fc.property(eventArb, fc.boolean(), (e, right) => {
        const expected = referenceHash(e);
        const stored = { ...e, metadata: { ...e.metadata, hash: right ? expected : `${expected}0` } };
        const { position: _position, ...rest } = stored;
        const { hash: _hash, ...metadata } = stored.metadata;
        expect(eventHash({ ...rest, metadata } as never)).toBe(expected);
        expect(hashMatches(stored as unknown as StoredEvent)).toBe(right);
      }),
      { numRuns: 300 },
    );
  });
});
