import type { StoredEvent } from './storedEvent.js';

/** Where an iterable of events offers the same events a page at a time. @internal */
const pagesKey = Symbol('jobledger.eventPages');

/** Events that can also be read a page at a time (see {@link eventPages}). @internal */
export interface PagedEvents extends AsyncIterable<StoredEvent> {
  readonly [pagesKey]: () => AsyncIterable<readonly StoredEvent[]>;
}

/**
 * The events of `pages` as one iterable (what `readAll` answers), which bulk readers can also take a page at a
 * time through {@link eventPages}. The pages travel with the iterable, not with the store: a wrapper that
 * overrides `readAll` answers its own iterable, and is read event by event, as it expects.
 * @internal
 */
export const pagedEvents = (pages: () => AsyncIterable<readonly StoredEvent[]>): PagedEvents => ({
  [pagesKey]: pages,
  async *[Symbol.asyncIterator]() {
    for await (const page of pages()) yield* page;
  },
});

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
