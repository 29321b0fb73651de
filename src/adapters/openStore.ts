import type { ProjectedEventStore } from '../projections/ReadModelStore.js';
import { kurrentdbSchemes } from './kurrentdb/kurrentdbUrl.js';
import { openKurrentStore } from './kurrentdb/openKurrentStore.js';
import { memoryEventStore } from './memory/memoryEventStore.js';
import { parsePostgresUrl, postgresEventStore } from './postgres/postgresEventStore.js';
import { parseSqliteUrl, sqliteEventStore } from './sqlite/sqliteEventStore.js';

/** The URL schemes `openStore` understands. */
export const storeSchemes = [
  'memory:',
  'sqlite:',
  'postgres://',
  'postgresql://',
  ...kurrentdbSchemes,
] as const;

/**
 * Opens an event store (with its read model) from a URL:
 * - `memory:` — in memory, for tests and property runs;
 * - `sqlite:<file>` — the embedded default (`sqlite:./jobledger.db`, add `?synchronous=normal` to trade the
 *   last moments before an OS crash for speed);
 * - `postgres://user@host:5432/db[?schema=jobledger&pool_size=10&statement_timeout=30000&application_name=jobledger]`;
 *   several hosts (`postgres://user@db1:5432,db2:5432/db?target_session_attrs=read-write&failover_timeout=30000`)
 *   name a primary and its standbys, and the store follows the writable one through a failover;
 * - `kurrentdb://host:2113?tls=false[&projections=sqlite:./views.db]` (any connection string the KurrentDB client
 *   accepts): the log in KurrentDB, the read model in a SQLite file fed by a subscription (eventually
 *   consistent; this process's own writes are waited for).
 *
 * Throws an Error with a one-line message for a URL it cannot open.
 *
 * @example
 * const ledger = createJobLedger({ store: openStore('sqlite:./jobledger.db') });
 */
export const openStore = (url: string): ProjectedEventStore => {
  if (typeof url !== 'string' || url.length === 0) {
    throw new Error(
      `a store URL is a string such as memory: or sqlite:./jobledger.db, got ${JSON.stringify(url)}`,
    );
  }
  if (url === 'memory:' || url === 'memory://') return memoryEventStore();
  if (url.startsWith('sqlite:')) return sqliteEventStore(parseSqliteUrl(url));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // Connects and migrates on first use, so opening stays synchronous.
    return postgresEventStore(parsePostgresUrl(url));
  }
  // Connects on first use; the read model's feeder subscribes at once.
  if (kurrentdbSchemes.some((scheme) => url.startsWith(scheme))) return openKurrentStore(url);
  throw new Error(`unknown store URL ${url}; use one of ${storeSchemes.map((s) => `${s}…`).join(', ')}`);
};
