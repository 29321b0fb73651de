import type { Readable } from 'node:stream';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { JobError, StoreError } from '../domain/errors.js';

/** Content stored in a {@link BlobStore}: its sha256 (lower-case hex) and size in bytes. */
export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
  /** False when the store held this content already (the same content is stored once). */
  readonly created: boolean;
}

/** What a local cache of a remote blob store holds and how it served reads since it opened. */
export interface CacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  /** The size bound: least recently used entries are evicted beyond it (0 when there is no cache). */
  readonly maxBytes: number;
}

/**
 * The blob-store port: file contents addressed by their sha256. Adapters: `memoryBlobStore`,
 * `filesystemBlobStore` (atomic writes: temporary name, fsync, rename) and `postgresBlobStore`, optionally
 * behind `cachedBlobStore`. The ledger records only name, size, mime and sha256 in its events; the bytes live
 * here.
 *
 * @example
 * const files = memoryBlobStore();
 * const stored = await files.put([new TextEncoder().encode('hello')], { maxBytes: 1024 })();
 * // Right({ sha256: '2cf24dba…', size: 5, created: true })
 */
export interface BlobStore {
  /** A short description for messages (`file:./jobledger-files`), without secrets. */
  readonly description: string;
  /**
   * Stores `content`, hashing it as it streams. More than `maxBytes` is a ValidationError at `input.content`
   * and stores nothing. Storing content that is there already stores nothing new (`created: false`).
   */
  put(
    content: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: { readonly maxBytes: number },
  ): TE.TaskEither<JobError, StoredBlob>;
  /**
   * The stored bytes of `sha256` as a stream (as stored: the reader checks them), or null when absent.
   * `skipCache` reads the store itself, not a local copy (verify checks what the store holds).
   */
  open(
    sha256: string,
    options?: { readonly skipCache?: boolean },
  ): TE.TaskEither<StoreError, Readable | null>;
  /** Releases connections; later calls fail with a StoreError. */
  close(): Promise<void>;
  /** The local cache's counters, for stores behind a cache. */
  cacheStats?(): CacheStats;
  /** Empties the local cache; answers the counters after it (entries and bytes 0). */
  cleanupCache?(): Promise<CacheStats>;
}

/**
 * An event store that knows where file contents belong beside it, for a ledger given no `files`. The stores
 * `openStore` opens all do: `memory:` keeps them in memory, `sqlite:<file>` in `jobledger-files/` beside the
 * file, `postgres://…` in tables of the store's schema behind a local cache.
 */
export interface WithDefaultBlobStore {
  /** A new blob store for one ledger (the ledger closes it). */
  defaultBlobStore(): BlobStore;
}
