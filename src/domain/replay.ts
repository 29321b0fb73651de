import * as E from 'fp-ts/lib/Either.js';
import type { ValidationError } from './errors.js';
import { evolve, initialJobState, type JobState } from './jobState.js';
import type { StoredEvent } from './storedEvent.js';
import { decodeJobEvent, defaultUpcasters, type UpcasterRegistry } from './upcasters.js';

/** Applies one stored event (decoded and upcast) to a job's state. */
export const applyStoredEvent = (
  state: JobState,
  event: StoredEvent,
  upcasters: UpcasterRegistry = defaultUpcasters,
): E.Either<ValidationError, JobState> => {
  const decoded = decodeJobEvent(event, upcasters);
  if (E.isLeft(decoded)) return decoded;
  return E.right(
    evolve(state, decoded.right, {
      at: new Date(event.metadata.recordedAt),
      actor: event.metadata.actor,
      version: event.version,
    }),
  );
};

/** Folds a job stream into its state: what the job is after these events. */
export const foldJobStream = (
  events: Iterable<StoredEvent>,
  upcasters: UpcasterRegistry = defaultUpcasters,
  from: JobState = initialJobState,
): E.Either<ValidationError, JobState> => {
  let state = from;
  for (const event of events) {
    const next = applyStoredEvent(state, event, upcasters);
    if (E.isLeft(next)) return next;
    state = next.right;
  }
  return E.right(state);
};
