import type { EventStore } from '../../src/domain/EventStore.js';
import { actorOf } from '../../src/domain/principal.js';
import { jobStreamId } from '../../src/domain/storedEvent.js';
import type { RecordedEvent } from '../../src/testing/arbitraries.js';

/**
 * Appends a recorded job stream (from `runScenario`) one event at a time, each by `first` or `second` as
 * `turns` says (true: `first`), and runs `after` once before the first event and again after each: how the
 * read-model caches are shown exact when another instance on the same database changes the job.
 */
export const appendTakingTurns = async (
  jobId: string,
  events: readonly RecordedEvent[],
  stores: { readonly first: EventStore; readonly second: EventStore },
  turns: Iterable<boolean>,
  after: () => Promise<void>,
): Promise<void> => {
  await after();
  const next = turns[Symbol.iterator]();
  for (const [version, r] of events.entries()) {
    const store = next.next().value === true ? stores.first : stores.second;
    const appended = await store.append(
      jobStreamId(jobId),
      [
        {
          type: r.event.type,
          data: r.event.data,
          metadata: { recordedAt: r.at.toISOString(), actor: actorOf(r.by) },
        },
      ],
      { expected: version === 0 ? 'no-stream' : version - 1 },
    )();
    if (appended._tag !== 'Right')
      throw new Error(`append ${jobId}@${version}: ${JSON.stringify(appended.left)}`);
    await after();
  }
};
