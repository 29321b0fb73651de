import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../../app/BlobStore.js';
import { parsePostgresUrl } from '../postgres/postgresUrl.js';
import { cachedBlobStore } from './cachedBlobStore.js';
import { filesystemBlobStore } from './filesystemBlobStore.js';
import { memoryBlobStore } from './memoryBlobStore.js';
import { postgresBlobStore } from './postgresBlobStore.js';

/**
 * The blob store a ledger uses when `createJobLedger` gets no `files`, from its event store's description:
 * - `memory:` (and `sqlite::memory:`) — in memory;
 * - `sqlite:<file>` — `jobledger-files/` beside the database file, on disk;
 * - `postgres://…?schema=S` — tables in schema S of the same database (connecting with the description's URL,
 *   which carries no password: use PGPASSWORD, or pass `files: postgresBlobStore({ url, schema })`), behind a
 *   local cache of 1 GiB in the OS temp directory;
 * - anything else — in memory (pass `files` for content that must outlive the process).
 *
 * @example
 * blobStoreFor({ description: 'sqlite:./data/jobledger.db' }).description; // 'file:data/jobledger-files'
 */
export const blobStoreFor = (store: { readonly description: string }): BlobStore => {
  const d = store.description;
  if (d.startsWith('sqlite:')) {
    const file = d.slice('sqlite:'.length).split('?')[0]!;
    if (file === ':memory:' || file === '') return memoryBlobStore();
    return filesystemBlobStore({ dir: join(dirname(file), 'jobledger-files') });
  }
  if (d.startsWith('postgres://') || d.startsWith('postgresql://')) {
    const { url, schema } = parsePostgresUrl(d);
    const key = createHash('sha256').update(d).digest('hex').slice(0, 16);
    return cachedBlobStore(postgresBlobStore({ url, ...(schema !== undefined && { schema }) }), {
      dir: join(tmpdir(), `jobledger-cache-${key}-${process.pid}`),
    });
  }
  return memoryBlobStore();
};
