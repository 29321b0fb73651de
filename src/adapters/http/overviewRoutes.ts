import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import { JobError } from '../../domain/errors.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';
import { principalOf } from './bearerAuth.js';
import { replyWithError } from './jobRoutes.js';
import { machineLayout } from './machineLayout.js';
import { throughputWindow } from './throughputWindow.js';

/**
 * `GET /overview` (behind the bearer token): jobs per status for the token's principal, from the read model
 * (`listJobs` totals), and the job flow of the last 15 minutes from one {@link throughputWindow} per server.
 * The list page asks for it on a modest timer.
 */
export const overviewRoutes =
  (ledger: JobLedger, options: { readonly clock?: () => Date } = {}) =>
  async (app: FastifyInstance) => {
    const window = throughputWindow(ledger, {
      ...(options.clock !== undefined && { clock: options.clock }),
      onError: (error) => app.log.error({ err: error }, 'the throughput window stopped following the store'),
    });
    app.addHook('onClose', async () => window.close());
    app.get('/overview', async (req, reply) => {
      const principal = principalOf(req);
      const session = ledger.as(principal);
      const raw = (req.query as Record<string, unknown>).archive_status ?? 'active';
      if (raw !== 'active' && raw !== 'archived' && raw !== 'all')
        return replyWithError(
          reply,
          JobError.validation([
            { path: 'archive_status', message: `expected active, archived or all, got ${String(raw)}` },
          ]),
        );
      const archiveStatus = raw;
      const totals = await Promise.all(
        jobStatusNames.map((status) => session.listJobs({ status, size: 1, archiveStatus })()),
      );
      const counts: Record<string, number> = {};
      for (const [i, total] of totals.entries()) {
        if (E.isLeft(total)) return replyWithError(reply, total.left);
        counts[jobStatusNames[i]!] = total.right.total;
      }
      const flow = window.series(principal);
      return reply.send({
        counts,
        total: Object.values(counts).reduce((a, b) => a + b, 0),
        throughput: {
          bucket_seconds: flow.bucketSeconds,
          until: flow.until.toISOString(),
          created: flow.created,
          completed: flow.completed,
          failed: flow.failed,
        },
      });
    });
  };

/** `GET /machine.json` (public, like the page's files): the status machine laid out for the page's picture. */
export const machineRoute = async (app: FastifyInstance) => {
  const layout = JSON.stringify(machineLayout());
  app.get('/machine.json', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(layout),
  );
};
