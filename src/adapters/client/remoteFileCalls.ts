import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as E from 'fp-ts/lib/Either.js';
import { contentChunks, writeVerified } from '../../app/jobFiles.js';
import type { FileContent, FileStream, JobLedgerSession } from '../../app/JobLedgerSession.js';
import { Job } from '../../domain/dto.js';
import { JobError } from '../../domain/errors.js';
import { decodeFileRevisions } from './answerCodecs.js';
import { CacheUnusable, ContentMismatch, type FileCache, type LocalCopy } from './fileCache.js';
import type { RemoteKit } from './remoteKit.js';
import { bufferReaders } from '../../app/session/bufferReaders.js';

type FileCallNames =
  'uploadResult' | 'fileRevisions' | 'readBytes' | 'readText' | 'readJson' | 'copyTo' | 'openFile';

type Result<T> = Promise<E.Either<JobError, T>>;

/** File content as a stream of bytes for a request body: strings become UTF-8, nothing is gathered. @internal */
export const contentBody = (chunks: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> =>
  (async function* () {
    for await (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  })();

/** Checks `content` as the in-process session does, and answers it as a request body. @internal */
export const contentOf = (content: unknown, path: string) =>
  E.map(contentBody)(contentChunks(content as FileContent, path));

const revisionQuery = (input: unknown): E.Either<JobError, Record<string, string>> => {
  if (input === undefined) return E.right({});
  const revision = (input as { revision?: unknown } | null)?.revision;
  if (typeof input !== 'object' || input === null)
    return E.left(JobError.validation([{ path: 'input', message: 'expected an object' }]));
  if (revision === undefined) return E.right({});
  if (typeof revision === 'number' && Number.isSafeInteger(revision) && revision >= 1)
    return E.right({ revision: String(revision) });
  return E.left(
    JobError.validation([
      { path: 'input.revision', message: `expected a revision number (1, 2, ...), got ${String(revision)}` },
    ]),
  );
};

/**
 * The remote client's file calls. Downloads stream to disk while their sha256 is computed, and are handed out
 * only once it matches the sha256 the server recorded (`x-file-sha256`); a file already in the local cache is
 * re-checked and not downloaded again. Uploads stream the content as the request body.
 * @internal
 */
export const remoteFileCalls = (kit: RemoteKit, cache: FileCache): Pick<JobLedgerSession, FileCallNames> => {
  const { jobPath, transport } = kit;

  /** A verified local copy of the revision's bytes: from the cache, or downloaded into it. */
  const download = async (
    id: unknown,
    input: unknown,
    bypass = false,
  ): Result<{ copy: LocalCopy; revision: number }> => {
    const path = jobPath(id);
    if (E.isLeft(path)) return path;
    const query = revisionQuery(input);
    if (E.isLeft(query)) return query;
    const route = 'GET /jobs/{id}/file';
    // Twice at most: the second time around a cache that failed while being written.
    for (let attempt = 0; ; attempt++) {
      const sent = await transport.send({
        method: 'GET',
        path: `${path.right}/file`,
        route,
        command: false,
        query: query.right,
      });
      if (E.isLeft(sent)) return sent;
      const response = sent.right;
      const sha256 = response.headers.get('x-file-sha256') ?? '';
      const revision = Number(response.headers.get('x-file-revision'));
      if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isSafeInteger(revision) || response.body === null) {
        await response.body?.cancel();
        return E.left(
          JobError.store(
            `the answer of ${route} at ${transport.base} has no x-file-sha256 and x-file-revision to check it by`,
          ),
        );
      }
      const cached = bypass ? undefined : await cache.lookup(sha256);
      if (cached !== undefined) {
        await response.body.cancel();
        return E.right({ copy: cached, revision });
      }
      try {
        const body = Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]);
        return E.right({ copy: await cache.put(body, sha256, { bypass: bypass || attempt > 0 }), revision });
      } catch (cause) {
        if (cause instanceof CacheUnusable && attempt === 0) continue;
        if (cause instanceof ContentMismatch)
          return E.left(
            JobError.integrity(
              'file-altered',
              `the file of job ${String(id)} from ${transport.base} does not check out: ${cause.message}; nothing was handed out`,
            ),
          );
        return E.left(
          JobError.store(
            `the download of ${route} at ${transport.base} broke off (${cause instanceof Error ? cause.message : String(cause)}); retry`,
            cause,
          ),
        );
      }
    }
  };

  /**
   * The verified copy, opened. Opened at once, so another process's `cleanupCache()` may unlink it meanwhile; one
   * that got there between the check and the open costs a second download.
   */
  const openCopy = async (
    id: unknown,
    input: unknown,
  ): Result<{ handle: FileHandle; revision: number; release: () => Promise<void> }> => {
    for (let attempt = 0; ; attempt++) {
      // The second time around a private temp copy, which no other process's cleanup can take away.
      const got = await download(id, input, attempt > 0);
      if (E.isLeft(got)) return got;
      const { copy, revision } = got.right;
      try {
        const handle = await open(copy.path, 'r');
        return E.right({
          handle,
          revision,
          release: async () => {
            await handle.close().catch(() => undefined);
            await copy.release();
          },
        });
      } catch (cause) {
        await copy.release();
        if (attempt === 0 && copy.cached && (cause as { code?: unknown }).code === 'ENOENT') continue;
        return E.left(
          JobError.store(`opening the downloaded file ${copy.path} failed: ${String(cause)}`, cause),
        );
      }
    }
  };

  const bytesOf = async (id: unknown, input: unknown): Result<Buffer> => {
    const opened = await openCopy(id, input);
    if (E.isLeft(opened)) return opened;
    try {
      return E.right(await opened.right.handle.readFile());
    } catch (cause) {
      return E.left(JobError.store(`reading the downloaded file failed: ${String(cause)}`, cause));
    } finally {
      await opened.right.release();
    }
  };

  const fileRevisions = (id: unknown) =>
    kit.call(
      jobPath(id),
      (path) => ({
        method: 'GET',
        path: `${path}/file/revisions`,
        route: 'GET /jobs/{id}/file/revisions',
        command: false,
      }),
      decodeFileRevisions,
    );

  return {
    uploadResult: (id, input) => async () => {
      const path = jobPath(id);
      if (E.isLeft(path)) return path;
      if (typeof input !== 'object' || input === null)
        return E.left(JobError.validation([{ path: 'input', message: 'expected an object' }]));
      const body = contentOf(input.content, 'input.content');
      if (E.isLeft(body)) return body;
      return transport.json(
        {
          method: 'PUT',
          path: `${path.right}/file`,
          route: 'PUT /jobs/{id}/file',
          command: true,
          query: { name: input.name, mime: input.mime },
          stream: body.right,
          ...(input.mime !== undefined && { headers: { 'content-type': 'application/octet-stream' } }),
        },
        Job.fromDict,
      );
    },
    fileRevisions,
    ...bufferReaders(bytesOf),
    copyTo: (id, target, input) => async () => {
      if (typeof target !== 'string' || target.length === 0 || target.length > 4096)
        return E.left(
          JobError.validation([{ path: 'path', message: 'expected a file path of 1 to 4096 characters' }]),
        );
      const opened = await openCopy(id, input);
      if (E.isLeft(opened)) return opened;
      try {
        const written = await writeVerified(opened.right.handle.createReadStream(), target);
        return E.map((w: { path: string; bytes: number }) => ({ ...w, revision: opened.right.revision }))(
          written,
        );
      } finally {
        await opened.right.release();
      }
    },
    openFile: (id, input) => async (): Result<FileStream> => {
      const revisions = await fileRevisions(id)();
      if (E.isLeft(revisions)) return revisions;
      const opened = await openCopy(id, input);
      if (E.isLeft(opened)) return opened;
      const { handle, revision, release } = opened.right;
      const entry = revisions.right.find((r) => r.revision === revision);
      if (entry === undefined) {
        await release();
        return E.left(JobError.notFound('file revision', `${String(id)}#${revision}`));
      }
      const stream = handle.createReadStream();
      stream.once('close', () => void release());
      return E.right({ revision, file: entry.file, stream });
    },
  };
};
