import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { JobError } from '../../domain/errors.js';
import type { BlobStore, CacheStats } from '../../app/BlobStore.js';

/** Options of {@link cachedBlobStore}. */
export interface CacheOptions {
  /**
   * The local directory of the cache. Its index lives in memory: the cache's own files in it (named by sha256)
   * are removed when it is first used and on `close()`; other files are left alone.
   */
  readonly dir: string;
  /** The size bound in bytes (default 1 GiB); least recently used entries are evicted beyond it. */
  readonly maxBytes?: number;
}

/**
 * A local disk cache in front of a blob store that is not on the local disk (Postgres): a read that misses
 * copies the content into `dir` and serves it from there; later reads of the same content are hits. Bounded by
 * `maxBytes` with least-recently-used eviction; content larger than the bound streams through uncached.
 * Writes go straight to the inner store. `cacheStats()` and `cleanupCache()` back the ledger's
 * `getCacheStats()` and `cleanupCache()`. Its files are removed when it is first used and on `close()` (the index
 * lives in memory), and the directory too when nothing else is in it.
 *
 * @example
 * const files = cachedBlobStore(postgresBlobStore({ url, schema: 'jobs' }), {
 *   dir: '/var/cache/jobledger',
 *   maxBytes: 2 ** 30,
 * });
 */
export const cachedBlobStore = (inner: BlobStore, options: CacheOptions): BlobStore => {
  const { dir } = options;
  const maxBytes = options.maxBytes ?? 2 ** 30;
  // Map order is the recency order: the first entry is the least recently used.
  const entries = new Map<string, number>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  let ready: Promise<void> | undefined;
  // Only the files the cache makes are removed: `dir` may be shared with other things.
  const ownFile = /^(?:[0-9a-f]{64}|tmp-[0-9a-f-]{36})$/;
  const removeOwnFiles = async () => {
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => ownFile.test(n)).map((n) => rm(join(dir, n), { force: true })));
  };
  const prepare = () => (ready ??= mkdir(dir, { recursive: true }).then(removeOwnFiles));
  /** Fills in flight, so that concurrent misses of one content download it once. */
  const filling = new Map<string, Promise<boolean>>();
  const pathOf = (sha256: string) => join(dir, sha256);
  const stats = (): CacheStats => ({ entries: entries.size, bytes, hits, misses, maxBytes });

  const evict = async (sha256: string) => {
    const size = entries.get(sha256);
    if (size === undefined) return;
    entries.delete(sha256);
    bytes -= size;
    await unlink(pathOf(sha256)).catch(() => undefined);
  };

  const fill = (sha256: string): Promise<boolean> => {
    let running = filling.get(sha256);
    if (running === undefined) {
      running = download(sha256).finally(() => filling.delete(sha256));
      filling.set(sha256, running);
    }
    return running;
  };

  const download = async (sha256: string): Promise<boolean> => {
    const source = await inner.open(sha256)();
    if (E.isLeft(source)) throw source.left;
    if (source.right === null) return false;
    const temp = join(dir, `tmp-${randomUUID()}`);
    try {
      await pipeline(source.right, createWriteStream(temp));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const size = (await stat(temp)).size;
    if (size > maxBytes) {
      await unlink(temp);
      return true;
    }
    while (bytes + size > maxBytes && entries.size > 0) await evict(entries.keys().next().value!);
    await rename(temp, pathOf(sha256));
    entries.set(sha256, size);
    bytes += size;
    return true;
  };

  return {
    description: `${inner.description} (cached in ${dir})`,
    put: (content, opts) => inner.put(content, opts),
    open: (sha256, openOptions) =>
      openOptions?.skipCache === true
        ? inner.open(sha256)
        : TE.tryCatch(
            async () => {
              await prepare();
              const size = entries.get(sha256);
              if (size !== undefined) {
                hits++;
                entries.delete(sha256);
                entries.set(sha256, size);
                return createReadStream(pathOf(sha256), { highWaterMark: 1 << 20 });
              }
              misses++;
              const found = await fill(sha256);
              if (!found) return null;
              if (entries.has(sha256)) return createReadStream(pathOf(sha256), { highWaterMark: 1 << 20 });
              // Larger than the cache: straight from the store.
              const direct = await inner.open(sha256)();
              if (E.isLeft(direct)) throw direct.left;
              return direct.right;
            },
            (cause) =>
              typeof cause === 'object' &&
              cause !== null &&
              (cause as { _tag?: unknown })._tag === 'StoreError'
                ? (cause as JobError & { _tag: 'StoreError' })
                : JobError.store(
                    `reading ${sha256} through the cache in ${dir} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
                    cause,
                  ),
          ),
    // The cache lives as long as the store object: its directory goes with it.
    close: async () => {
      entries.clear();
      bytes = 0;
      await removeOwnFiles();
      await rmdir(dir).catch(() => undefined); // only when nothing else is in it
      await inner.close();
    },
    cacheStats: stats,
    cleanupCache: async () => {
      await prepare();
      for (const sha256 of [...entries.keys()]) await evict(sha256);
      return stats();
    },
  };
};
