import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open as openFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as E from 'fp-ts/lib/Either.js';
import { JobError, type StoreError, type ValidationError } from '../domain/errors.js';
import { collectFileRevisions, type FileRevision } from '../domain/fileRevisions.js';
import { evolve, initialJobState, type JobState } from '../domain/jobState.js';
import { relationOf } from '../domain/policy.js';
import type { Principal } from '../domain/principal.js';
import { jobStreamId } from '../domain/storedEvent.js';
import { decodeJobEvent } from '../domain/upcasters.js';
import type { BlobStore, StoredBlob } from './BlobStore.js';
import type { LedgerContext } from './LedgerContext.js';

/** File content as the calls take it: bytes, text (stored as UTF-8), or a stream of chunks (Node or web). */
export type FileContent = Uint8Array | string | AsyncIterable<Uint8Array | string>;

type Result<T> = Promise<E.Either<JobError, T>>;

/** The chunks of `content`, or a ValidationError at `path` for anything else. @internal */
export const contentChunks = (
  content: unknown,
  path: string,
): E.Either<ValidationError, AsyncIterable<Uint8Array | string>> => {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    return E.right(
      (async function* () {
        yield content;
      })(),
    );
  }
  if (typeof content === 'object' && content !== null && Symbol.asyncIterator in content) {
    return E.right(content as AsyncIterable<Uint8Array | string>);
  }
  return E.left(
    JobError.validation([
      { path, message: 'expected file content: a Uint8Array, a string, or a readable stream of bytes' },
    ]),
  );
};

/** Stores content in the ledger's blob store, within its size limit. @internal */
export const storeContent = async (
  ctx: LedgerContext,
  content: AsyncIterable<Uint8Array | string>,
): Result<StoredBlob> => {
  try {
    return await ctx.files.put(content as AsyncIterable<Uint8Array>, { maxBytes: ctx.maxFileBytes })();
  } catch (cause) {
    return E.left(JobError.store(`storing file content failed: ${String(cause)}; retry`, cause));
  }
};

/**
 * The job as this principal may see it, folded from its stream (not the read model, so a read right after an
 * upload sees it), with the revisions of its file. NotFound when the principal may not see the job.
 * @internal
 */
export const jobWithRevisions = async (
  ctx: LedgerContext,
  principal: Principal,
  jobId: string,
): Result<{ state: JobState; revisions: readonly FileRevision[] }> => {
  let state = initialJobState;
  const revisions = collectFileRevisions();
  try {
    for await (const stored of ctx.store.readStream(jobStreamId(jobId))) {
      const decoded = decodeJobEvent(stored, ctx.upcasters);
      if (E.isLeft(decoded))
        return E.left(JobError.store(`job ${jobId} does not replay: ${decoded.left.message}; run verify`));
      const at = new Date(stored.metadata.recordedAt);
      state = evolve(state, decoded.right, { at, actor: stored.metadata.actor, version: stored.version });
      revisions.push(decoded.right, state.job?.file, at, stored.metadata.actor.id);
    }
  } catch (cause) {
    return E.left(JobError.store(`reading job ${jobId} failed: ${String(cause)}`, cause));
  }
  if (state.job === null || relationOf(principal, state) === 'none')
    return E.left(JobError.notFound('job', jobId));
  return E.right({ state, revisions: revisions.all() });
};

/** The revision asked for (default: the current one), or NotFound. @internal */
export const pickRevision = (
  jobId: string,
  revisions: readonly FileRevision[],
  revision: number | undefined,
): E.Either<JobError, FileRevision & { file: { sha256: string; size: number } }> => {
  const found =
    revision === undefined ? revisions[revisions.length - 1] : revisions.find((r) => r.revision === revision);
  if (found === undefined) {
    return E.left({
      ...JobError.notFound('file revision', `${jobId}#${revision}`),
      message: `job ${jobId} has no file revision ${revision} (it has ${revisions.length}); ask for 1..${revisions.length}`,
    });
  }
  if (!found.stored || found.file.sha256 === null || found.file.size === null) {
    return E.left({
      ...JobError.notFound('file content', `${jobId}#${found.revision}`),
      message: `revision ${found.revision} of job ${jobId}'s file (${found.file.name}) was recorded by name only: there is no content to read`,
    });
  }
  return E.right(found as FileRevision & { file: { sha256: string; size: number } });
};

/** Carries a JobError through a stream's error channel. */
class IntegrityFailure extends Error {
  constructor(readonly error: StoreError) {
    super(error.message);
  }
}

/** A JobError from whatever a stream pipeline threw. @internal */
export const streamFailure = (what: string, cause: unknown): JobError =>
  cause instanceof IntegrityFailure
    ? cause.error
    : typeof cause === 'object' && cause !== null && (cause as { _tag?: unknown })._tag === 'StoreError'
      ? (cause as StoreError)
      : JobError.store(
          `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}; retry`,
          cause,
        );

/**
 * The stored bytes of one revision as a stream that checks them: it fails with a StoreError of kind
 * `file-altered` at its end when they do not hash to the recorded sha256 (or their size differs). A blob the
 * store lacks is a StoreError of kind `file-missing` right away.
 * @internal
 */
export const openVerified = async (
  files: BlobStore,
  jobId: string,
  rev: FileRevision & { file: { sha256: string; size: number } },
): Result<Readable> => {
  const { sha256, size } = rev.file;
  const opened = await files.open(sha256)();
  if (E.isLeft(opened)) return opened;
  if (opened.right === null) {
    return E.left(
      JobError.integrity(
        'file-missing',
        `the content of job ${jobId}'s file revision ${rev.revision} (${rev.file.name}, sha256 ${sha256}) is missing from ${files.description}; restore it from a backup, then run verify`,
      ),
    );
  }
  const hash = createHash('sha256');
  let seen = 0;
  const altered = (actual: string) =>
    new IntegrityFailure(
      JobError.integrity(
        'file-altered',
        `the content of job ${jobId}'s file revision ${rev.revision} (${rev.file.name}) was changed behind the ledger's back: recorded sha256 ${sha256} (${size} bytes), stored ${actual} (${seen} bytes); restore it from a backup, then run verify`,
      ),
    );
  // The last chunk is held back until the hash checks out, so a reader (a download) never gets every byte of
  // altered content: it sees the stream fail before its end.
  let held: Buffer | undefined;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      seen += chunk.byteLength;
      if (seen > size) return callback(altered('(longer than recorded)'));
      const previous = held;
      held = chunk;
      callback(null, previous);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      if (actual === sha256 && seen === size) callback(null, held);
      else callback(altered(actual));
    },
  });
  opened.right.on('error', (error) => check.destroy(error));
  // A reader that stops early (a dropped download) releases the source too.
  check.on('close', () => opened.right!.destroy());
  return E.right(opened.right.pipe(check));
};

/** Reads a verified stream whole. @internal */
export const readAll = async (stream: Readable): Result<Buffer> => {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return E.right(Buffer.concat(chunks));
  } catch (cause) {
    return E.left(streamFailure('reading file content', cause));
  }
};

/**
 * Streams a verified revision to `path`: into a temporary file beside it, fsynced, renamed over `path` only
 * when the bytes checked out (so a damaged file never lands at `path`). Constant memory.
 * @internal
 */
export const writeVerified = async (
  stream: Readable,
  path: string,
): Result<{ path: string; bytes: number }> => {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.part`);
  try {
    const out = createWriteStream(temp, { flags: 'wx' });
    await pipeline(stream, out);
    const handle = await openFile(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const bytes = out.bytesWritten;
    await rename(temp, path);
    return E.right({ path, bytes });
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    stream.destroy();
    return E.left(streamFailure(`copying file content to ${path}`, cause));
  }
};

/** Checks stored bytes against their recorded sha256 without keeping them: undefined when they match. @internal */
export const checkBlob = async (
  files: BlobStore,
  sha256: string,
): Promise<{ kind: 'file-missing' | 'file-altered'; detail: string } | undefined> => {
  const opened = await files.open(sha256, { skipCache: true })();
  if (E.isLeft(opened)) return { kind: 'file-missing', detail: `could not read it: ${opened.left.message}` };
  if (opened.right === null)
    return { kind: 'file-missing', detail: `${files.description} has no content ${sha256}` };
  const hash = createHash('sha256');
  try {
    for await (const chunk of opened.right) hash.update(chunk as Buffer);
  } catch (cause) {
    return { kind: 'file-missing', detail: `reading ${sha256} failed: ${String(cause)}` };
  }
  const actual = hash.digest('hex');
  return actual === sha256
    ? undefined
    : { kind: 'file-altered', detail: `content ${sha256} in ${files.description} now hashes to ${actual}` };
};
