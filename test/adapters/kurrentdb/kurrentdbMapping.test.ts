import { WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import {
  fromKurrentCurrentState,
  toKurrentStreamState,
} from '../../../src/adapters/kurrentdb/kurrentdbExpected.js';
import {
  compareKurrentPositions,
  formatKurrentPosition,
  parseKurrentPosition,
} from '../../../src/adapters/kurrentdb/kurrentdbPosition.js';
import { fromKurrentWrongExpectedVersion } from '../../../src/adapters/kurrentdb/kurrentdbWrongExpectedVersion.js';

describe('expected kinds', () => {
  it('maps each kind to the client stream state', () => {
    expect(toKurrentStreamState('no-stream')).toBe('no_stream');
    expect(toKurrentStreamState('exists')).toBe('stream_exists');
    expect(toKurrentStreamState('any')).toBe('any');
    expect(toKurrentStreamState(0)).toBe(0n);
    expect(toKurrentStreamState(41)).toBe(41n);
  });
  it('maps current states back', () => {
    expect(fromKurrentCurrentState('no_stream')).toBe('no-stream');
    expect(fromKurrentCurrentState(7n)).toBe(7);
  });
});

describe('WrongExpectedVersionError', () => {
  it('becomes our WrongExpectedVersion with the true actual version (the client error class itself)', () => {
    const error = new WrongExpectedVersionError(undefined, {
      streamName: 'job-1',
      expected: 2n,
      current: 5n,
    });
    expect(fromKurrentWrongExpectedVersion('job-1', 2, error)).toMatchObject({
      _tag: 'WrongExpectedVersion',
      streamId: 'job-1',
      expected: 2,
      actual: 5,
    });
    const none = new WrongExpectedVersionError(undefined, {
      streamName: 'job-2',
      expected: 'stream_exists',
      current: 'no_stream',
    });
    expect(fromKurrentWrongExpectedVersion('job-2', 'exists', none).actual).toBe('no-stream');
  });
});

describe('positions', () => {
  it('round-trips, including values beyond 2^53', () => {
    for (const p of [
      { commit: 0n, prepare: 0n },
      { commit: 1234n, prepare: 1200n },
      { commit: 2n ** 63n - 1n, prepare: 2n ** 60n + 3n },
    ]) {
      expect(parseKurrentPosition(formatKurrentPosition(p), 'kurrentdb://x')).toEqual(p);
    }
  });
  it('refuses positions of other stores with a message saying what to pass', () => {
    expect(() => parseKurrentPosition('17', 'kurrentdb://x')).toThrow(/not a position of kurrentdb:\/\/x/);
    expect(() => parseKurrentPosition('a:b', 'kurrentdb://x')).toThrow(/pass one this store gave/);
  });
  it('orders by commit then prepare', () => {
    expect(compareKurrentPositions({ commit: 1n, prepare: 9n }, { commit: 2n, prepare: 0n })).toBeLessThan(0);
    expect(compareKurrentPositions({ commit: 2n, prepare: 3n }, { commit: 2n, prepare: 1n })).toBeGreaterThan(
      0,
    );
    expect(compareKurrentPositions({ commit: 2n, prepare: 3n }, { commit: 2n, prepare: 3n })).toBe(0);
  });
});
