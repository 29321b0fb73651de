import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import { JobFileCodec } from '../../domain/codecs/wire.js';
import { Job } from '../../domain/dto.js';
import { JobError } from '../../domain/errors.js';
import type { FileRevision } from '../../domain/fileRevisions.js';
import { principalOf } from './bearerAuth.js';
import { answer, replyWithError } from './jobRoutes.js';

/** The wire shape of a {@link FileRevision}. */
export const fileRevisionWire = (r: FileRevision) => ({
  revision: r.revision,
  file: JobFileCodec.encode(r.file),
  created: r.created.toISOString(),
  created_by_id: r.createdById,
  stored: r.stored,
});

const revisionOf = (query: unknown): E.Either<JobError, { revision?: number }> => {
  const raw = (query as Record<string, unknown>).revision;
  if (raw === undefined) return E.right({});
  if (typeof raw === 'string' && /^[1-9]\d{0,14}$/.test(raw)) return E.right({ revision: Number(raw) });
  return E.left(
    JobError.validation([
      { path: 'revision', message: `expected a revision number (1, 2, ...), got ${String(raw)}` },
    ]),
  );
};

/**
 * The job file routes, streaming both ways: `GET /jobs/{id}/file[?revision=]` sends the bytes (checked against
 * their sha256 as they go: altered bytes end the response early), `PUT /jobs/{id}/file?name=&mime=` takes the
 * request body as the result of an agent in Uploading (`uploadResult`), `GET /jobs/{id}/file/revisions` lists
 * the revisions. Bodies of any content type pass through unparsed; the ledger's `maxFileBytes` bounds them.
 */
export const fileRoutes = (ledger: JobLedger) => async (app: FastifyInstance) => {
  const id = (params: unknown) => (params as { id: string }).id;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.get('/jobs/:id/file/revisions', async (req, reply) =>
    answer(reply, ledger.as(principalOf(req)).fileRevisions(id(req.params)), (list) =>
      list.map(fileRevisionWire),
    ),
  );

  app.get('/jobs/:id/file', async (req, reply) => {
    const revision = revisionOf(req.query);
    const opened = E.isLeft(revision)
      ? revision
      : await ledger.as(principalOf(req)).openFile(id(req.params), revision.right)();
    if (E.isLeft(opened)) return replyWithError(reply, opened.left);
    const { file, stream } = opened.right;
    const name = file.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    void reply
      .header('content-type', file.mime ?? 'application/octet-stream')
      .header(
        'content-disposition',
        `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      )
      .header('x-file-revision', String(opened.right.revision))
      .header('cache-control', 'no-store');
    if (file.size !== null) void reply.header('content-length', String(file.size));
    if (file.sha256 !== null) void reply.header('x-file-sha256', file.sha256);
    return reply.send(stream);
  });

  app.put('/jobs/:id/file', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const body = (req.body ?? req.raw) as AsyncIterable<Uint8Array>;
    return answer(
      reply,
      ledger.as(principalOf(req)).uploadResult(id(req.params), {
        name: query.name as string,
        content: body,
        ...(query.mime !== undefined && { mime: query.mime as string }),
      }),
      (job) => Job.toDict(job),
    );
  });
};
