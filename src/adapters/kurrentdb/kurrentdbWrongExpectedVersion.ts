import type { WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import {
  wrongExpectedVersion,
  type ExpectedVersion,
  type WrongExpectedVersion,
} from '../../domain/EventStore.js';
import { fromKurrentCurrentState } from './kurrentdbExpected.js';

/** Maps the client's WrongExpectedVersionError to our WrongExpectedVersion, with the stream's true actual version. */
export const fromKurrentWrongExpectedVersion = (
  streamId: string,
  expected: ExpectedVersion,
  error: Pick<WrongExpectedVersionError, 'actualState'>,
): WrongExpectedVersion =>
  wrongExpectedVersion(streamId, expected, fromKurrentCurrentState(error.actualState));
