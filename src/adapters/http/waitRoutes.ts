import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import { JobError } from '../../domain/errors.js';
import { principalOf } from './bearerAuth.js';
import { answer, replyWithError } from './jobRoutes.js';
import { requestAbort } from './requestAbort.js';
import { defaultEventStreamLimits, streamJobEvents, type EventStreamLimits } from './jobEventStream.js';

/**
 * Waiting without polling: `GET /jobs/{id}/poll?timeout_s=` answers `{ status }` once the job is terminal (408 when
 * the wait runs out), `GET /jobs/{id}/events` streams the job's events as server-sent events, `id:` being the
 * event's version so a reconnect with `Last-Event-ID` resumes after it. Both hang off the ledger's shared feed; a
 * stream whose client stops reading is cut off past `limits` (see {@link streamJobEvents}).
 */
export const waitRoutes =
  (ledger: JobLedger, shutdown: AbortSignal, limits: EventStreamLimits = defaultEventStreamLimits) =>
  async (app: FastifyInstance) => {
    app.get('/jobs/:id/poll', async (req, reply) => {
      const raw = (req.query as Record<string, unknown>).timeout_s ?? '30';
      const seconds = typeof raw === 'string' && /^\d{1,5}(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
      if (!(seconds >= 0 && seconds <= 3600)) {
        return replyWithError(
          reply,
          JobError.validation([
            { path: 'timeout_s', message: `expected seconds from 0 to 3600, got ${String(raw)}` },
          ]),
        );
      }
      // The response's close, not the request's (which fires once a request's body has been read).
      const { signal, release } = requestAbort(reply, shutdown);
      try {
        return await answer(
          reply,
          ledger.as(principalOf(req)).pollJob((req.params as { id: string }).id, {
            timeoutMs: Math.round(seconds * 1000),
            signal,
          }),
          (status) => ({ status }),
        );
      } finally {
        release();
      }
    });

    app.get('/jobs/:id/events', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      // Access first, through the library: the stream is only for whoever may see the job.
      const seen = await ledger.as(principalOf(req)).getJob(id)();
      if (E.isLeft(seen)) return replyWithError(reply, seen.left);
      const header = req.headers['last-event-id'];
      const after = typeof header === 'string' && /^\d{1,9}$/.test(header) ? Number(header) : -1;
      reply.hijack();
      try {
        await streamJobEvents(ledger, id, after, reply.raw, shutdown, limits);
      } catch (error) {
        req.log.error({ err: error }, 'event stream failed');
      }
      return reply;
    });
  };
