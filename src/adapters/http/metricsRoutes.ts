import type { FastifyInstance } from 'fastify';

/** What `GET /metrics` answers: a text in the Prometheus exposition format, made when a scraper asks. */
export interface MetricsEndpoint {
  readonly contentType: string;
  collect(): Promise<string>;
}

/**
 * `GET /metrics` for Prometheus. Like Prometheus endpoints as a rule, it needs no token: it tells counts and
 * latencies of the whole ledger (no job ids, no tenants), so expose the port only to your scraper.
 */
export const metricsRoutes = (metrics: MetricsEndpoint) => async (app: FastifyInstance) => {
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type(metrics.contentType)
      .header('cache-control', 'no-store')
      .send(await metrics.collect()),
  );
};
