import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  Name,
  ShortText,
  boundedString,
  decodeWith,
  intIn,
  strictObject,
} from '../../domain/codecs/decode.js';
import type { Readable } from 'node:stream';
import { decide } from '../../domain/decide.js';
import { extensionOf, mimeOf, type FileRevision } from '../../domain/fileRevisions.js';
import {
  contentChunks,
  jobWithRevisions,
  openVerified,
  pickRevision,
  readAll,
  storeContent,
  writeVerified,
} from '../jobFiles.js';
import type { JobLedgerSession, FileStream } from '../JobLedgerSession.js';
import type { Result, SessionKit } from './sessionKit.js';
import { bufferReaders } from './bufferReaders.js';

const fileInputCodecs = {
  read: strictObject('ReadFileInput', {}, { revision: intIn('Revision', 1, Number.MAX_SAFE_INTEGER) }),
  upload: strictObject('UploadResultInput', { name: Name, content: t.unknown }, { mime: ShortText }),
  path: boundedString('Path', 4096, 1),
};

/** The calls on a job's file: results uploaded by its agent, revisions, checked reads. @internal */
export const fileCalls = (
  kit: SessionKit,
): Pick<
  JobLedgerSession,
  'uploadResult' | 'fileRevisions' | 'readBytes' | 'readText' | 'readJson' | 'copyTo' | 'openFile'
> => {
  const { ctx, principal, decodeId, decode, run, jobOf } = kit;
  /** The revision of a job's file this principal asked for, if it may see the job. */
  const revisionOf = async (id: unknown, input: unknown) => {
    const jobId = decodeId(id);
    if (E.isLeft(jobId)) return jobId;
    const decoded = decode(fileInputCodecs.read, 'input', input ?? {});
    if (E.isLeft(decoded)) return decoded;
    const found = await jobWithRevisions(ctx, principal, jobId.right);
    if (E.isLeft(found)) return found;
    return pickRevision(jobId.right, found.right.revisions, decoded.right.revision);
  };

  const openRevision = async (id: unknown, input: unknown): Result<FileStream> => {
    const rev = await revisionOf(id, input);
    if (E.isLeft(rev)) return rev;
    const stream = await openVerified(ctx.files, String(id), rev.right);
    return E.map((s: Readable) => ({ revision: rev.right.revision, file: rev.right.file, stream: s }))(
      stream,
    );
  };

  const bytesOf = async (id: unknown, input: unknown): Result<Buffer> => {
    const opened = await openRevision(id, input);
    if (E.isLeft(opened)) return opened;
    return readAll(opened.right.stream);
  };

  return {
    uploadResult: (id, input) => async () => {
      const jobId = decodeId(id);
      if (E.isLeft(jobId)) return jobId;
      const decoded = decode(fileInputCodecs.upload, 'input', input);
      if (E.isLeft(decoded)) return decoded;
      const chunks = contentChunks(decoded.right.content, 'input.content');
      if (E.isLeft(chunks)) return chunks;
      // Refuse before storing any bytes: no access, wrong status, stale agent.
      const current = await jobWithRevisions(ctx, principal, jobId.right);
      if (E.isLeft(current)) return current;
      const probe = { name: decoded.right.name, size: 0, sha256: '0'.repeat(64) };
      const allowed = decide({ type: 'UploadResult', file: probe }, current.right.state, {
        principal,
        now: ctx.clock(),
        newId: ctx.ids,
        leaseMs: ctx.leaseMs,
      });
      if (E.isLeft(allowed)) return allowed;
      const stored = await storeContent(ctx, chunks.right);
      if (E.isLeft(stored)) return stored;
      const extension = extensionOf(decoded.right.name);
      return jobOf(
        run(jobId.right, {
          type: 'UploadResult',
          file: {
            name: decoded.right.name,
            size: stored.right.size,
            sha256: stored.right.sha256,
            mime: decoded.right.mime ?? mimeOf(decoded.right.name),
            ...(extension !== undefined && { extension }),
          },
        }),
      );
    },
    fileRevisions: (id) => async () => {
      const jobId = decodeId(id);
      if (E.isLeft(jobId)) return jobId;
      return E.map((r: { revisions: readonly FileRevision[] }) => r.revisions)(
        await jobWithRevisions(ctx, principal, jobId.right),
      );
    },
    ...bufferReaders(bytesOf),
    copyTo: (id, path, input) => async () => {
      const target = decodeWith(fileInputCodecs.path, 'path')(path);
      if (E.isLeft(target)) return target;
      const opened = await openRevision(id, input);
      if (E.isLeft(opened)) return opened;
      const written = await writeVerified(opened.right.stream, target.right);
      return E.map((w: { path: string; bytes: number }) => ({ ...w, revision: opened.right.revision }))(
        written,
      );
    },
    openFile: (id, input) => () => openRevision(id, input),
  };
};
