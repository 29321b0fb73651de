import { parseSqliteUrl } from '../../sqlite/sqliteUrl.js';
import type { IdempotencyStore } from './IdempotencyStore.js';
import { postgresIdempotencyStore } from './postgresIdempotencyStore.js';
import { sqliteIdempotencyStore } from './sqliteIdempotencyStore.js';

/**
 * Where `serve` keeps the answers of Idempotency-Keys for the ledger at `storeUrl`: in its SQLite file or its
 * Postgres schema, so they hold across restarts (and, on Postgres, across instances); undefined (the server's
 * in-memory default) for other stores.
 */
export const idempotencyStoreOf = (storeUrl: string): IdempotencyStore | undefined => {
  if (/^postgres(ql)?:\/\//.test(storeUrl)) return postgresIdempotencyStore(storeUrl);
  if (!storeUrl.startsWith('sqlite:')) return undefined;
  const { file } = parseSqliteUrl(storeUrl);
  return file === ':memory:' ? undefined : sqliteIdempotencyStore(file);
};
