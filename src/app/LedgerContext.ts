import type { EventStore } from '../domain/EventStore.js';
import type { UpcasterRegistry } from '../domain/upcasters.js';
import type { ReadModelStore } from '../projections/ReadModelStore.js';
import type { BlobStore } from './BlobStore.js';
import type { LiveFeed } from './liveFeed.js';

/** What every part of the ledger service shares: the ports and the sources of time and ids. @internal */
export interface LedgerContext {
  readonly store: EventStore;
  readonly readModel: ReadModelStore;
  readonly clock: () => Date;
  readonly ids: () => string;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly upcasters: UpcasterRegistry;
  readonly feed: LiveFeed;
  /** Where file contents live, by sha256. */
  readonly files: BlobStore;
  /** The largest file content a call may store, in bytes. */
  readonly maxFileBytes: number;
}
