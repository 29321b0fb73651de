import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';

/**
 * The whole log (after `after`) a page at a time: the store's own pages where it has them (`readAllPages`),
 * otherwise its events gathered into pages of `batchSize`. Bulk readers iterate each page synchronously: one
 * await per page rather than one per event (on a million-event log, a million promises fewer).
 * @internal
 */
export async function* readAllPages(
  store: EventStore,
  options: { readonly after?: string; readonly batchSize: number },
): AsyncIterable<readonly StoredEvent[]> {
  if (store.readAllPages !== undefined) {
    yield* store.readAllPages(options);
    return;
  }
  let page: StoredEvent[] = [];
  for await (const event of store.readAll(options)) {
    page.push(event);
    if (page.length >= options.batchSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
