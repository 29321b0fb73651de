import type { FastifyInstance } from 'fastify';
import type { JobLedger } from '../../app/createJobLedger.js';
import { Job } from '../../domain/dto.js';
import { JobError } from '../../domain/errors.js';
import { principalOf } from './bearerAuth.js';
import { camelCaseKeys } from './camelCaseKeys.js';
import { answer, replyWithError } from './jobRoutes.js';

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The routes the remote client needs beyond the job routes: `GET /me` (the principal the token stands for),
 * `GET /jobs/{id}/as-of?at=` (the job as it was at `at`), and `POST /jobs/with-file` (createJob with the file's
 * bytes as the request body, streamed; the rest of the input as URI-encoded JSON in the `x-job-input` header).
 */
export const clientRoutes = (ledger: JobLedger) => async (app: FastifyInstance) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.get('/me', async (req, reply) =>
    reply.send(
      Object.fromEntries(Object.entries(principalOf(req)).map(([key, value]) => [snake(key), value])),
    ),
  );

  app.get('/jobs/:id/as-of', async (req, reply) => {
    const at = (req.query as Record<string, unknown>).at;
    return answer(
      reply,
      ledger.as(principalOf(req)).jobAsOf((req.params as { id: string }).id, at as string),
      (job) => Job.toDict(job),
    );
  });

  app.post('/jobs/with-file', async (req, reply) => {
    const header = req.headers['x-job-input'];
    let input: unknown;
    try {
      input = camelCaseKeys(JSON.parse(decodeURIComponent(typeof header === 'string' ? header : '')));
    } catch {
      return replyWithError(
        reply,
        JobError.validation([
          {
            path: 'x-job-input',
            message: 'expected the createJob input as URI-encoded JSON in the x-job-input header',
          },
        ]),
      );
    }
    const file = (input as { file?: unknown } | null)?.file;
    if (typeof file !== 'object' || file === null)
      return replyWithError(
        reply,
        JobError.validation([{ path: 'input.file', message: 'expected an object' }]),
      );
    const body = (req.body ?? req.raw) as AsyncIterable<Uint8Array>;
    const created = ledger
      .as(principalOf(req))
      .createJob({ ...(input as object), file: { ...file, content: body } } as never);
    return answer(reply, created, (job) => Job.toDict(job), 201);
  });
};
