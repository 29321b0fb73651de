import * as E from 'fp-ts/lib/Either.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';

/** The value of a Right; a Left fails the test with its message. */
export const right = <T>(r: E.Either<{ message: string }, T>): T => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

/** Every event an iterable gives. */
export const collect = async (events: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> => {
  const out: StoredEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
};
