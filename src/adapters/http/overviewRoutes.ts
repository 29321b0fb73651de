import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import { principalOf } from './bearerAuth.js';
import { replyWithError } from './jobRoutes.js';
import { machineLayout } from './machineLayout.js';
import { archiveStatusOf, followOverview, overviewOf } from './overviewStream.js';
import { throughputWindow } from './throughputWindow.js';

/**
 * `GET /overview` (behind the bearer token): jobs per status for the token's principal, from the read model
 * (`listJobs` totals), and the job flow of the last 15 minutes from one {@link throughputWindow} per server.
 * `GET /overview/events` streams the same answer as server-sent `overview` events: at once, then whenever it
 * changed after a commit (at most once per `overviewIntervalMs`), woken by the ledger's shared feed. The list
 * page follows it.
 */
export const overviewRoutes =
  (
    ledger: JobLedger,
    shutdown: AbortSignal,
    options: {
      readonly clock?: () => Date;
      /** The shortest time between two answers of one `/overview/events` stream (default 1000 ms). */
      readonly overviewIntervalMs?: number;
      /** Bytes an `/overview/events` client that does not read may hold before it is cut off. */
      readonly maxBufferedBytes?: number;
    } = {},
  ) =>
  async (app: FastifyInstance) => {
    const window = throughputWindow(ledger, {
      ...(options.clock !== undefined && { clock: options.clock }),
      onError: (error) => app.log.error({ err: error }, 'the throughput window stopped following the store'),
    });
    app.addHook('onClose', async () => window.close());
    app.get('/overview', async (req, reply) => {
      const archiveStatus = archiveStatusOf(req);
      if (E.isLeft(archiveStatus)) return replyWithError(reply, archiveStatus.left);
      const body = await overviewOf(ledger, window, principalOf(req), archiveStatus.right);
      return E.isLeft(body) ? replyWithError(reply, body.left) : reply.send(body.right);
    });

    app.get('/overview/events', async (req, reply) => {
      const archiveStatus = archiveStatusOf(req);
      if (E.isLeft(archiveStatus)) return replyWithError(reply, archiveStatus.left);
      const principal = principalOf(req);
      const first = await overviewOf(ledger, window, principal, archiveStatus.right);
      if (E.isLeft(first)) return replyWithError(reply, first.left);
      reply.hijack();
      await followOverview(
        reply.raw,
        first.right,
        () => overviewOf(ledger, window, principal, archiveStatus.right),
        (listener) => ledger.feed.listenAll(listener),
        shutdown,
        {
          minIntervalMs: options.overviewIntervalMs ?? 1000,
          maxBufferedBytes: options.maxBufferedBytes ?? 1 << 20,
        },
      ).catch((error: unknown) => req.log.error({ err: error }, 'overview stream failed'));
      return reply;
    });
  };

/** `GET /machine.json` (public, like the page's files): the status machine laid out for the page's picture. */
export const machineRoute = async (app: FastifyInstance) => {
  const layout = JSON.stringify(machineLayout());
  app.get('/machine.json', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(layout),
  );
};
