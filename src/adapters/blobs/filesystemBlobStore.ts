import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { JobError } from '../../domain/errors.js';
import type { BlobStore } from '../../app/BlobStore.js';
import { meteredContent, putFailure } from './meteredContent.js';

/** A {@link BlobStore} in a directory, with the path of each blob (tests alter files behind its back). */
export interface FilesystemBlobStore extends BlobStore {
  readonly dir: string;
  /** Where the content of `sha256` is (or would be) stored. */
  pathOf(sha256: string): string;
}

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** Makes a rename or link durable: fsync of the directory (not possible everywhere, e.g. on Windows). */
const syncDir = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
};

/**
 * A blob store in a local directory: `<dir>/sha256/ab/cdef…`, one file per content. Writes go to
 * `<dir>/tmp/<uuid>`, are fsynced, then published atomically under their sha256 (a hard link, which fails if
 * another writer published the same content first — the same content is stored once — or a rename where links
 * are not supported). The default of a ledger on `sqlite:<file>`: `jobledger-files/` beside the database file.
 *
 * @example
 * const ledger = createJobLedger({
 *   store: openStore('sqlite:./jobledger.db'),
 *   files: filesystemBlobStore({ dir: './jobledger-files' }),
 * });
 */
export const filesystemBlobStore = (options: { readonly dir: string }): FilesystemBlobStore => {
  const dir = options.dir;
  const description = `file:${dir}`;
  const pathOf = (sha256: string) => join(dir, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  let closed = false;
  const closedError = () =>
    JobError.store(`the blob store ${description} is closed; create the ledger again`);

  const publish = async (temp: string, final: string): Promise<boolean> => {
    try {
      await link(temp, final);
      return true;
    } catch (error) {
      if (code(error) === 'EEXIST') return false;
      if (code(error) !== 'EPERM' && code(error) !== 'ENOTSUP') throw error;
      // No hard links here: rename (atomic; a racing writer of the same bytes replaces them with the same).
      const existed = await stat(final).then(
        () => true,
        () => false,
      );
      if (existed) return false;
      await rename(temp, final);
      return true;
    }
  };

  return {
    description,
    dir,
    pathOf,
    put: (content, { maxBytes }) =>
      closed
        ? TE.left(closedError())
        : TE.tryCatch(async () => {
            const tmpDir = join(dir, 'tmp');
            await mkdir(tmpDir, { recursive: true });
            const temp = join(tmpDir, randomUUID());
            const hash = createHash('sha256');
            let size = 0;
            const handle = await open(temp, 'wx', 0o644);
            try {
              try {
                for await (const chunk of meteredContent(content, maxBytes, hash)) {
                  let written = 0;
                  while (written < chunk.byteLength) {
                    const r = await handle.write(chunk, written, chunk.byteLength - written);
                    written += r.bytesWritten;
                  }
                  size += chunk.byteLength;
                }
                await handle.sync();
              } finally {
                await handle.close();
              }
              const sha256 = hash.digest('hex');
              const final = pathOf(sha256);
              await mkdir(join(final, '..'), { recursive: true });
              const created = await publish(temp, final);
              if (created) await syncDir(join(final, '..'));
              return { sha256, size, created };
            } finally {
              await unlink(temp).catch(() => undefined);
            }
          }, putFailure(description)),
    open: (sha256) =>
      closed
        ? TE.left(closedError())
        : TE.tryCatch(
            async () => {
              const path = pathOf(sha256);
              try {
                await stat(path);
              } catch (error) {
                if (code(error) === 'ENOENT') return null;
                throw error;
              }
              return createReadStream(path, { highWaterMark: 1 << 20 });
            },
            (cause) =>
              JobError.store(
                `reading ${sha256} from ${description} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
                cause,
              ),
          ),
    close: async () => {
      closed = true;
    },
  };
};
