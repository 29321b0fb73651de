import * as E from 'fp-ts/lib/Either.js';
import { initialJobState, type JobState } from '../domain/jobState.js';
import { applyStoredEvent } from '../domain/replay.js';
import { jobIdOfStream, type StoredEvent } from '../domain/storedEvent.js';
import type { UpcasterRegistry } from '../domain/upcasters.js';
import { defaultUpcasters } from '../domain/upcasters.js';

/**
 * The job-view projection step every read model shares: the next state of the job an event belongs to, or
 * undefined when the event does not concern a job (another stream) or does not decode (verify reports those;
 * a read model never stops on them).
 */
export const projectJobEvent = (
  previous: JobState | undefined,
  event: StoredEvent,
  upcasters: UpcasterRegistry = defaultUpcasters,
): { readonly jobId: string; readonly state: JobState } | undefined => {
  const jobId = jobIdOfStream(event.streamId);
  if (jobId === undefined) return undefined;
  const next = applyStoredEvent(previous ?? initialJobState, event, upcasters);
  if (E.isLeft(next) || next.right.job === null) return undefined;
  return { jobId, state: next.right };
};
