import { openStore } from '../../../src/adapters/openStore.js';
import type { SubscriptionItem } from '../../../src/adapters/kurrentdb/projectionFeeder.js';
import {
  compareKurrentPositions,
  formatKurrentPosition,
  parseKurrentPosition,
} from '../../../src/adapters/kurrentdb/kurrentdbPosition.js';
import type { ReadModelDump } from '../../../src/projections/ReadModelStore.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { jobScenario, playScenario } from '../sqlite/jobScenario.js';
import { ok, smallJob, testLedger } from '../../app/support.js';

/** Orders Kurrent position strings (what a Kurrent-fed read model is given). */
export const compareKurrent = (a: string, b: string): number =>
  compareKurrentPositions(parseKurrentPosition(a, 'test'), parseKurrentPosition(b, 'test'));

/** A recorded subscription to `$all`, and what the memory store's read model holds after the same events. */
export interface Recording {
  readonly items: readonly SubscriptionItem[];
  readonly events: readonly StoredEvent[];
  readonly memoryDump: ReadModelDump;
  /** The position of the last item (event or checkpoint): where a feeder that took them all stands. */
  readonly lastPosition: string;
}

/**
 * Events as a KurrentDB subscription would deliver them: the ledger's own events (commands run on the memory
 * store, then the job scenario with every event kind, a non-job stream and an event that does not decode),
 * read back and given `$all` positions. The events of one append share a commit position and have increasing
 * prepare positions; commit positions cross 1000 and 10000, so an ordering on the decimal strings would fail.
 * Checkpoint items (as a filtered subscription sends them) come every 25 events, at or after the last event.
 */
export const recordSubscription = async (): Promise<Recording> => {
  const store = openStore('memory:');
  const { alice, agent, advance } = testLedger(store);
  const a = await ok(alice.createJob(smallJob));
  const b = await ok(alice.createJob({ ...smallJob, assignedAgentPoolId: 'pool-a' }));
  await ok(alice.addComment(a.id, { content: 'first' }));
  await ok(agent.getJobForAgent());
  advance(1000);
  await ok(agent.updateStatus(a.id, { status: 'Running', message: 'started' }));
  await ok(alice.cancelJob(b.id, { message: 'not needed' }));
  await ok(alice.archiveJob(b.id, { reason: 'cleanup' }));
  await playScenario(store, jobScenario(60, 11));

  const recorded: StoredEvent[] = [];
  for await (const e of store.readAll()) recorded.push(e);
  const memoryDump = await store.readModel.dump();
  await store.close();

  let commit = 950n;
  let prepare = 950n;
  const events = recorded.map((e, i) => {
    const previous = recorded[i - 1];
    const sameAppend =
      previous !== undefined &&
      previous.streamId === e.streamId &&
      previous.version + 1 === e.version &&
      previous.metadata.recordedAt === e.metadata.recordedAt;
    if (sameAppend) prepare += 61n;
    else {
      commit = prepare + 37n + BigInt(i % 5) * 13n;
      prepare = commit;
    }
    return { ...e, position: formatKurrentPosition({ commit, prepare }) };
  });
  const items: SubscriptionItem[] = [];
  events.forEach((event, i) => {
    items.push({ kind: 'event', event });
    if (i % 25 === 24) {
      const p = parseKurrentPosition(event.position, 'test');
      // A checkpoint at the event itself, or past it (events of other streams the filter skipped).
      const past = i % 50 === 49 ? 7n : 0n;
      items.push({
        kind: 'checkpoint',
        position: formatKurrentPosition({ commit: p.prepare + past, prepare: p.prepare + past }),
      });
    }
  });
  const last = items[items.length - 1]!;
  return {
    items,
    events,
    memoryDump,
    lastPosition: last.kind === 'event' ? last.event.position : last.position,
  };
};

/** The items as an async iterable, optionally pausing (a macrotask) every `pauseEvery` items. */
export async function* play(
  items: readonly SubscriptionItem[],
  pauseEvery = 0,
): AsyncGenerator<SubscriptionItem> {
  let n = 0;
  for (const item of items) {
    if (pauseEvery > 0 && ++n % pauseEvery === 0) await new Promise((r) => setTimeout(r, 1));
    yield item;
  }
}
