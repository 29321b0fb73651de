import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  eventHash,
  hashMatches,
  sealedHash,
  storedHashMatches,
  withStoredTexts,
} from '../../src/domain/hashChain.js';
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

/** One sealed event with data `{ n: 1, a: 'x' }`. */
const referenceEvent = () => {
  const base = {
    eventId: 'e-1',
    streamId: 'job-1',
    version: 0,
    type: 'T',
    schemaVersion: 1,
    data: { n: 1, a: 'x' },
    metadata: {
      recordedAt: '2026-01-01T00:00:00.000Z',
      actor: { kind: 'system' as const, id: 'system' },
      prevHash: '',
    },
  };
  return { ...base, metadata: { ...base.metadata, hash: eventHash(base) } };
};

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

  it('sealedHash: the same hash as eventHash, and the data and metadata as canonical texts', () => {
    fc.assert(
      fc.property(eventArb, (e) => {
        const { position: _position, ...sealed } = e;
        const hash = eventHash(sealed as never);
        expect(sealedHash(sealed as never)).toEqual({
          hash,
          dataText: canonicalJson(e.data),
          metadataText: canonicalJson({ ...e.metadata, hash }),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('storedHashMatches: the answer of hashMatches whatever texts of the event the store kept', () => {
    fc.assert(
      fc.property(
        eventArb,
        fc.boolean(),
        fc.constantFrom('canonical', 'stringify', 'none'),
        (e, right, kept) => {
          const expected = referenceHash(e);
          const stored = { ...e, metadata: { ...e.metadata, hash: right ? expected : `${expected}0` } };
          // The canonical texts (what a store now writes), the plain JSON.stringify texts (key order as built:
          // what older logs hold, where the shortcut misses and the full check decides), or no texts at all.
          const text = kept === 'canonical' ? canonicalJson : JSON.stringify;
          const read =
            kept === 'none' ? stored : withStoredTexts({ ...stored }, text(e.data), text(stored.metadata));
          expect(storedHashMatches(read as unknown as StoredEvent)).toBe(right);
          expect(hashMatches(read as unknown as StoredEvent)).toBe(right);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('storedHashMatches hashes the kept texts as they are (the shortcut), and a changed text fails', () => {
    const e = { ...referenceEvent(), position: '7' };
    const text = canonicalJson(e.data);
    const metadataText = canonicalJson(e.metadata);
    const kept = <T extends object>(event: T, data = text, metadata = metadataText) =>
      withStoredTexts(event, data, metadata) as unknown as StoredEvent;
    // The shortcut is taken: the event's data is not looked at when its texts hash right (after a miss the
    // shortcut pauses for up to 255 events, hence the repeats).
    const other = () => kept({ ...e, data: 'not the data' });
    for (let i = 0; i < 256; i++) storedHashMatches(other());
    expect(storedHashMatches(other())).toBe(true);
    expect(hashMatches(other())).toBe(false);
    const changedText = text.replace('"n":1', '"n":2');
    expect(changedText).not.toBe(text);
    expect(storedHashMatches(kept({ ...e, data: JSON.parse(changedText) as unknown }, changedText))).toBe(
      false,
    );
    const laterText = metadataText.replace('2026-01-01', '2026-01-02');
    expect(laterText).not.toBe(metadataText);
    const later = { ...e, metadata: JSON.parse(laterText) as typeof e.metadata };
    expect(storedHashMatches(kept(later, text, laterText))).toBe(false);
    // A spread of a read event does not carry the texts: the full check runs on what the copy holds.
    expect(storedHashMatches({ ...kept({ ...e }), data: { n: 2 } })).toBe(false);
  });
});
