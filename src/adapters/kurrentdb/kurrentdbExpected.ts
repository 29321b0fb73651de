import type { AppendStreamState, CurrentStreamState } from '@kurrent/kurrentdb-client';
import type { ExpectedVersion } from '../../domain/EventStore.js';

/**
 * Maps our expected version to the client's `streamState`: 'no-stream' → `no_stream`, 'exists' →
 * `stream_exists`, 'any' → `any`, an exact version n → the revision `BigInt(n)` (both count from 0).
 */
export const toKurrentStreamState = (expected: ExpectedVersion): AppendStreamState =>
  expected === 'no-stream'
    ? 'no_stream'
    : expected === 'exists'
      ? 'stream_exists'
      : expected === 'any'
        ? 'any'
        : BigInt(expected);

/** Maps the client's current stream state (a revision or `no_stream`) to our actual version. */
export const fromKurrentCurrentState = (current: CurrentStreamState): number | 'no-stream' =>
  current === 'no_stream' ? 'no-stream' : Number(current);
