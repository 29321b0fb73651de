import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What {@link createJobLedgerClient}'s `getCacheStats()` answers about its local file cache. */
export interface CacheStats {
  /** The directory of the cached files (`<cacheDir>/files`). */
  readonly dir: string;
  /** Files and bytes in the cache now (every process sharing it counts). */
  readonly entries: number;
  readonly bytes: number;
  /** The bound: the least recently used files go once the cache is larger. */
  readonly maxBytes: number;
  /** Reads of this client answered from the cache, and read that had to download. */
  readonly hits: number;
  readonly misses: number;
  /** Cached files that no longer hashed to their name: removed and downloaded again. */
  readonly tampered: number;
  /** Why the cache is not used, when it could not be written (the calls go on from the network). */
  readonly problem: string | null;
}

/** A verified copy of a file's bytes on local disk; `release()` removes it if it is not a cache entry. */
export interface LocalCopy {
  readonly path: string;
  readonly bytes: number;
  readonly cached: boolean;
  release(): Promise<void>;
}

/** The user's cache directory for jobledger: `$XDG_CACHE_HOME`, `~/Library/Caches`, `%LOCALAPPDATA%`. */
export const defaultCacheDir = (): string => {
  const base =
    process.platform === 'win32'
      ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : (process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'));
  return join(base, 'jobledger');
};

const sha256Pattern = /^[0-9a-f]{64}$/;
// Temp files of another process still writing must survive a cleanup; an hour is far beyond any download.
const staleTempMs = 60 * 60 * 1000;

const hashOf = async (path: string): Promise<string> => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

/** A stream that hashes and counts what passes through it. */
const hashing = () => {
  const hash = createHash('sha256');
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { transform, result: () => ({ sha256: hash.digest('hex'), bytes }) };
};

/** Thrown inside {@link FileCache.put} when downloaded bytes do not hash to the sha256 the server named. */
export class ContentMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the bytes hash to ${actual}, not to the recorded ${expected}`);
  }
}

/** Thrown by {@link FileCache.put} when the cache failed while writing: download again, and it is bypassed. */
export class CacheUnusable extends Error {
  constructor() {
    super('the file cache could not be written');
  }
}

const cacheFault = (cause: unknown): boolean => {
  const code = (cause as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && ['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'ENOENT'].includes(code)
  );
};

/**
 * The client's local file cache: content-addressed (`<dir>/files/<sha256>`), bounded by `maxBytes` (least
 * recently used first out; a read touches the file's mtime), safe with several processes sharing it (each
 * writes a temp file and renames it into place, and a name is only ever its content), and re-checked against
 * its name on every read. When it cannot be written, reads go on through temp files and the problem is
 * reported once through `onProblem`.
 * @internal
 */
export const createFileCache = (options: {
  dir: string;
  maxBytes: number;
  onProblem: (message: string) => void;
}) => {
  const dir = join(options.dir, 'files');
  let hits = 0;
  let misses = 0;
  let tampered = 0;
  let problem: string | null = null;
  let ready: Promise<boolean> | undefined;

  const report = (what: string, cause: unknown) => {
    if (problem !== null) return;
    problem = `the file cache at ${dir} cannot be used (${what}: ${cause instanceof Error ? cause.message : String(cause)}); files are downloaded on every read`;
    options.onProblem(problem);
  };
  // Probed once with a real write, so an unwritable directory is found before a download depends on it.
  const usable = () =>
    (ready ??= (async () => {
      const probe = join(dir, `.tmp-probe-${randomUUID()}`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(probe, '', { flag: 'wx' });
        await unlink(probe);
        return true;
      } catch (cause) {
        report('writing to it', cause);
        return false;
      }
    })());

  const entries = async (): Promise<{ name: string; path: string; size: number; mtimeMs: number }[]> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    const found = await Promise.all(
      names.map(async (name) => {
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        return info === undefined ? undefined : { name, path, size: info.size, mtimeMs: info.mtimeMs };
      }),
    );
    return found.filter((e): e is NonNullable<typeof e> => e !== undefined);
  };

  const evict = async () => {
    const files = (await entries()).filter((e) => sha256Pattern.test(e.name));
    let total = files.reduce((sum, e) => sum + e.size, 0);
    for (const entry of files.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
      if (total <= options.maxBytes) break;
      // Another process may have removed it already: the bytes are gone either way.
      await unlink(entry.path).catch(() => undefined);
      total -= entry.size;
    }
  };

  /** A verified cached copy of `sha256`, or undefined (a miss; a tampered entry is removed). */
  const lookup = async (sha256: string): Promise<LocalCopy | undefined> => {
    if (!sha256Pattern.test(sha256) || !(await usable())) return undefined;
    const path = join(dir, sha256);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return undefined;
    const actual = await hashOf(path).catch(() => undefined);
    if (actual !== sha256) {
      tampered++;
      await unlink(path).catch(() => undefined);
      return undefined;
    }
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    hits++;
    return { path, bytes: info.size, cached: true, release: async () => undefined };
  };

  /**
   * Streams `body` to disk while hashing it; the copy is handed out only if it hashes to `sha256`. Into the
   * cache when it can be written (and `bypass` is not set), else into a temp file the caller releases.
   */
  const put = async (
    body: AsyncIterable<Uint8Array>,
    sha256: string,
    options: { bypass?: boolean } = {},
  ): Promise<LocalCopy> => {
    misses++;
    const inCache = options.bypass !== true && sha256Pattern.test(sha256) && (await usable());
    const temp = join(inCache ? dir : tmpdir(), `.tmp-${randomUUID()}`);
    const { transform, result } = hashing();
    try {
      await pipeline(Readable.from(body), transform, createWriteStream(temp, { flags: 'wx' }));
    } catch (cause) {
      await unlink(temp).catch(() => undefined);
      // A full or read-only cache only costs the cache: the caller downloads again, around it.
      if (inCache && cacheFault(cause)) {
        report('writing to it', cause);
        ready = Promise.resolve(false);
        throw new CacheUnusable();
      }
      throw cause;
    }
    const { sha256: actual, bytes } = result();
    if (actual !== sha256) {
      await unlink(temp).catch(() => undefined);
      throw new ContentMismatch(sha256, actual);
    }
    if (!inCache)
      return { path: temp, bytes, cached: false, release: () => unlink(temp).catch(() => undefined) };
    const path = join(dir, sha256);
    try {
      // Same content, same name: when two processes race, either rename leaves the right bytes in place.
      await rename(temp, path);
    } catch (cause) {
      report('renaming into it', cause);
      return { path: temp, bytes, cached: false, release: () => unlink(temp).catch(() => undefined) };
    }
    await evict();
    return { path, bytes, cached: true, release: async () => undefined };
  };

  return {
    dir,
    lookup,
    put,
    stats: async (): Promise<CacheStats> => {
      const files = (await entries()).filter((e) => sha256Pattern.test(e.name));
      return {
        dir,
        entries: files.length,
        bytes: files.reduce((sum, e) => sum + e.size, 0),
        maxBytes: options.maxBytes,
        hits,
        misses,
        tampered,
        problem,
      };
    },
    /** Removes every cached file (and temp files left over by a crash); answers what it removed. */
    cleanup: async (): Promise<{ removed: number; bytes: number }> => {
      let removed = 0;
      let bytes = 0;
      const now = Date.now();
      for (const entry of await entries()) {
        const stale = entry.name.startsWith('.tmp-') && now - entry.mtimeMs > staleTempMs;
        if (!sha256Pattern.test(entry.name) && !stale) continue;
        await unlink(entry.path).then(
          () => {
            removed++;
            bytes += entry.size;
          },
          () => undefined,
        );
      }
      return { removed, bytes };
    },
  };
};

/** The local file cache of one client. @internal */
export type FileCache = ReturnType<typeof createFileCache>;
