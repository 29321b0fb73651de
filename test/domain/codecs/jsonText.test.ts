import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonText } from '../../../src/domain/codecs/jsonText.js';
import { foldJobStream } from '../../../src/domain/replay.js';
import { toStoredEvents, validJobStreamArb } from '../../../src/testing.js';

const dateArb = fc.oneof(fc.date(), fc.constant(new Date(Number.NaN)));
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, true, false, -0, Number.NaN, Infinity, 1e21, 5e-7),
    fc.double(),
    fc.string({ unit: 'binary' }),
    dateArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('jsonText', () => {
  it('writes the same text as JSON.stringify for plain data with dates', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        expect(jsonText(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the same text as JSON.stringify for folded job states', () => {
    fc.assert(
      fc.property(validJobStreamArb(), (recorded) => {
        const state = foldJobStream(toStoredEvents(recorded));
        expect(jsonText(state)).toBe(JSON.stringify(state));
      }),
      { numRuns: 50 },
    );
  });

  it('leaves what is not plain data to JSON.stringify (own toJSON, class instances, a cycle)', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const withToJson = { a: { toJSON: () => 'custom' }, d: Object.assign(new Date(0), { toJSON: () => 1 }) };
    for (const value of [withToJson, [new Point(1)], new Map([[1, 2]]), { s: Symbol('x'), f: () => 1 }])
      expect(jsonText(value)).toBe(JSON.stringify(value));
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonText(cycle)).toThrow(TypeError);
    expect(() => jsonText({ n: 1n })).toThrow(TypeError);
  });
});
