import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import { JobError } from '../../domain/errors.js';
import { jobStreamId } from '../../domain/storedEvent.js';
import { principalOf } from './bearerAuth.js';
import { answer, replyWithError } from './jobRoutes.js';
import { storedEventWire } from './storedEventWire.js';

/**
 * Waiting without polling: `GET /jobs/{id}/poll?timeout_s=` answers `{ status }` once the job is terminal (408 when
 * the wait runs out), `GET /jobs/{id}/events` streams the job's events as server-sent events, `id:` being the
 * event's version so a reconnect with `Last-Event-ID` resumes after it.
 */
export const waitRoutes = (ledger: JobLedger, shutdown: AbortSignal) => async (app: FastifyInstance) => {
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
    const abort = new AbortController();
    const stop = () => abort.abort();
    req.raw.on('close', stop);
    shutdown.addEventListener('abort', stop);
    try {
      return await answer(
        reply,
        ledger.as(principalOf(req)).pollJob((req.params as { id: string }).id, {
          timeoutMs: Math.round(seconds * 1000),
          signal: abort.signal,
        }),
        (status) => ({ status }),
      );
    } finally {
      req.raw.off('close', stop);
      shutdown.removeEventListener('abort', stop);
    }
  });

  app.get('/jobs/:id/events', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    // Access first, through the library: the stream is only for whoever may see the job.
    const seen = await ledger.as(principalOf(req)).getJob(id)();
    if (E.isLeft(seen)) return replyWithError(reply, seen.left);
    const header = req.headers['last-event-id'];
    const after = typeof header === 'string' && /^\d{1,9}$/.test(header) ? Number(header) : -1;
    const abort = new AbortController();
    const stop = () => abort.abort();
    req.raw.on('close', stop);
    shutdown.addEventListener('abort', stop);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': jobledger event stream\n\n');
    const streamId = jobStreamId(id);
    let last = after;
    const send = (event: Parameters<typeof storedEventWire>[0]) => {
      if (event.version <= last) return;
      last = event.version;
      res.write(
        `id: ${event.version}\nevent: ${event.type}\ndata: ${JSON.stringify(storedEventWire(event))}\n\n`,
      );
    };
    try {
      // Catch up from the stream, then follow the store after the stream's last position: the subscription
      // catches up from there itself, so an event landing in between is neither missed nor repeated.
      let position: string | undefined;
      for await (const event of ledger.store.readStream(streamId)) {
        position = event.position;
        send(event);
      }
      for await (const event of ledger.store.subscribe({
        signal: abort.signal,
        ...(position !== undefined && { after: position }),
      })) {
        if (event.streamId === streamId) send(event);
        if (abort.signal.aborted) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) req.log.error({ err: error }, 'event stream failed');
    } finally {
      req.raw.off('close', stop);
      shutdown.removeEventListener('abort', stop);
      res.end();
    }
    return reply;
  });
};
