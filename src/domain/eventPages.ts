import type { StoredEvent } from './storedEvent.js';

/** Where an iterable of events offers the same events a page at a time. @internal */
const pagesKey = Symbol('jobledger.eventPages');

/** Events that can also be read a page at a time (see {@link eventPages}). @internal */
export interface PagedEvents extends AsyncIterable<StoredEvent> {
  readonly [pagesKey]: () => AsyncIterable<readonly StoredEvent[]>;
}

/** Where a whole log's iterable offers to be read in parts by other threads (see {@link logPartitions}). */
const partitionsKey = Symbol('jobledger.logPartitions');

/**
 * A log that other threads can open and read a part of themselves (verify's threads): each part holds whole
 * streams, so parts can be verified apart. @internal
 */
export interface LogPartitions {
  /** Opens the same log from another thread (`openStore(url)`); its `readAll()` offers the same partitions. */
  readonly url: string;
  /** About how many events the log holds (to leave small logs on one thread). */
  approximateEvents(): number;
  /**
   * The events of part `index` of `count`, in log order, a page at a time. Streams go to parts by their id,
   * the same way in every thread.
   */
  read(count: number, index: number): AsyncIterable<readonly StoredEvent[]>;
}

/**
 * The events of `pages` as one iterable (what `readAll` answers), which bulk readers can also take a page at a
 * time through {@link eventPages}. The pages travel with the iterable, not with the store: a wrapper that
 * overrides `readAll` answers its own iterable, and is read event by event, as it expects. So do `partitions`,
 * offered by a store whose whole log other threads can read in parts.
 * @internal
 */
export const pagedEvents = (
  pages: () => AsyncIterable<readonly StoredEvent[]>,
  partitions?: LogPartitions,
): PagedEvents => ({
  [pagesKey]: pages,
  ...(partitions !== undefined && { [partitionsKey]: partitions }),
  async *[Symbol.asyncIterator]() {
    for await (const page of pages()) yield* page;
  },
});

/** The partitions a store's whole-log `readAll` answer offers, if any (see {@link pagedEvents}). @internal */
export const logPartitions = (events: AsyncIterable<StoredEvent>): LogPartitions | undefined =>
  (events as { [partitionsKey]?: LogPartitions })[partitionsKey];

/**
 * `events` a page at a time: the pages a store's `readAll` offers (one await per page instead of one per event,
 * for verify and the Merkle tree), otherwise the events gathered into pages of `size`.
 * @internal
 */
export async function* eventPages(
  events: AsyncIterable<StoredEvent>,
  size: number,
): AsyncIterable<readonly StoredEvent[]> {
  const paged = (events as Partial<PagedEvents>)[pagesKey];
  if (paged !== undefined) {
    yield* paged();
    return;
  }
  let page: StoredEvent[] = [];
  for await (const event of events) {
    page.push(event);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
