import { parseSqliteUrl } from '../../sqlite/sqliteUrl.js';
import type { IdempotencyStore } from './IdempotencyStore.js';
import { sqliteIdempotencyStore } from './sqliteIdempotencyStore.js';

/**
 * Where `serve` keeps the answers of Idempotency-Keys for the ledger at `storeUrl`: in its SQLite file, so they
 * hold across restarts; undefined (the server's in-memory default) for other stores for now.
 */
export const idempotencyStoreOf = (storeUrl: string): IdempotencyStore | undefined => {
  if (!storeUrl.startsWith('sqlite:')) return undefined;
  const { file } = parseSqliteUrl(storeUrl);
  return file === ':memory:' ? undefined : sqliteIdempotencyStore(file);
};
