import { setMaxListeners } from 'node:events';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TracerProvider } from '@opentelemetry/api';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { JobLedger } from '../../app/createJobLedger.js';
import { agentRoutes } from './agentRoutes.js';
import { clientRoutes } from './clientRoutes.js';
import type { IdempotencyStore } from './idempotency/IdempotencyStore.js';
import { idempotentCommands } from './idempotency/idempotentCommands.js';
import { memoryIdempotencyStore } from './idempotency/memoryIdempotencyStore.js';
import { fileRoutes } from './fileRoutes.js';
import { bearerAuth } from './bearerAuth.js';
import { connectionSweeper } from './connectionSweeper.js';
import { httpErrorOf, internalError } from './httpError.js';
import type { StoreError } from '../../domain/errors.js';
import { defaultEventStreamLimits } from './jobEventStream.js';
import { jobRoutes } from './jobRoutes.js';
import { metricsRoutes, type MetricsEndpoint } from './metricsRoutes.js';
import { machineRoute, overviewRoutes } from './overviewRoutes.js';
import { redactUrl, requestLogger, type RequestLogOptions } from './requestLog.js';
import { requestTracing } from './requestTracing.js';
import { docsPolicy, securityHeaderSteps, securityHeaders } from './securityHeaders.js';
import { pageRoutes } from './pageRoutes.js';
import { proofRoutes } from './proofRoutes.js';
import { componentSchemas, routeSchemas } from './routeSchemas.js';
import type { TokenTable } from './tokens.js';
import { waitRoutes } from './waitRoutes.js';

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** The ledger the routes call; the server does not close it (the caller owns it). */
  readonly ledger: JobLedger;
  /** Bearer token -> principal (see `readTokensFile`). */
  readonly tokens: TokenTable;
  /** The largest request body in bytes (default 1 MiB); a larger one answers 413. */
  readonly bodyLimit?: number;
  /**
   * The request log (default off): `true` or options of {@link requestLogger}. Credentials never reach it: no
   * headers are logged, and an `access_token` in a URL is redacted.
   */
  readonly logger?: boolean | RequestLogOptions;
  /** Serves `GET /metrics` in the Prometheus text format (see `openPrometheusMetrics`). */
  readonly metrics?: MetricsEndpoint;
  /** Where request spans go (default: the tracer provider registered with `@opentelemetry/api`). */
  readonly tracerProvider?: TracerProvider;
  /** The ledger's clock, for the minutes of `GET /overview` (default: `() => new Date()`). */
  readonly clock?: () => Date;
  /**
   * How many bytes a `GET /jobs/{id}/events` stream may hold for a client that does not read (default 1 MiB).
   * Past it the client is disconnected, and resumes with `Last-Event-ID`; memory never grows without bound.
   */
  readonly eventStreamBufferBytes?: number;
  /**
   * Where answers of commands sent with an `Idempotency-Key` are remembered (default: in memory, a day). Pass
   * `sqliteIdempotencyStore(file)` to keep them with a SQLite ledger across restarts.
   */
  readonly idempotency?: IdempotencyStore;
}

/** A running (or ready to run) HTTP service over a ledger. */
export interface HttpServer {
  readonly app: FastifyInstance;
  /** Starts listening and answers the base URL (`http://127.0.0.1:8080`). Port 0 picks a free port. */
  listen(options: { port: number; host: string }): Promise<string>;
  /** Stops accepting, ends event streams and long polls, waits for in-flight requests. */
  close(): Promise<void>;
}

/**
 * The ledger over HTTP: the routes of DESIGN section 4 in the wire shapes of section 5, behind bearer tokens,
 * with the audit page at `/` and the OpenAPI document at `/openapi.json` (docs page at `/docs`).
 *
 * @example
 * const server = createHttpServer({ ledger, tokens });
 * const url = await server.listen({ port: 8080, host: '127.0.0.1' });
 * // curl -H 'Authorization: Bearer <token>' $url/jobs
 * await server.close();
 */
export const createHttpServer = (options: HttpServerOptions): HttpServer => {
  const { ledger, tokens, bodyLimit = 1024 * 1024, logger = false } = options;
  const shutdown = new AbortController();
  // Every open event stream and long poll listens for the shutdown: thousands at once are expected.
  setMaxListeners(0, shutdown.signal);
  const maxBufferedBytes = options.eventStreamBufferBytes ?? defaultEventStreamLimits.maxBufferedBytes;
  if (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < 1)
    throw new Error(`eventStreamBufferBytes must be a positive integer, got ${maxBufferedBytes}`);
  const idempotency = options.idempotency ?? memoryIdempotencyStore();
  const app = Fastify({
    logger: logger === false ? false : requestLogger(logger === true ? {} : logger),
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const connections = connectionSweeper(app.server);
  requestTracing(app, options.tracerProvider);
  // helmet's headers recorded once (they are the same on every answer) and set on every response before the
  // route runs, as helmet sets them (a route may still replace one, as the docs page does with its own policy).
  const headerSteps = securityHeaderSteps(securityHeaders);
  app.addHook('onRequest', (_request, reply, next) => {
    const raw = reply.raw;
    for (const [name, value] of headerSteps)
      if (value === undefined) raw.removeHeader(name);
      else raw.setHeader(name, value);
    next();
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'NotFound',
      message: `no route ${request.method} ${redactUrl(request.url)}; the routes are in /openapi.json`,
    }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A file download whose bytes fail their check before the answer started (see FileStream).
    const integrity = (error as { error?: Partial<StoreError> }).error;
    if (integrity?._tag === 'StoreError' && integrity.kind !== undefined) {
      const failure = httpErrorOf(integrity as StoreError);
      for (const header of ['content-length', 'content-disposition', 'x-file-sha256', 'x-file-revision'])
        reply.removeHeader(header);
      return reply.code(failure.statusCode).type('application/json; charset=utf-8').send(failure.body);
    }
    const status = error.statusCode ?? 500;
    if (status === 413)
      return reply
        .code(413)
        .send({ error: 'PayloadTooLarge', message: `the body is over the limit of ${bodyLimit} bytes` });
    if (status >= 400 && status < 500)
      return reply.code(422).send({
        error: 'ValidationError',
        message: error.message,
        issues: [{ path: '(body)', message: error.message }],
      });
    request.log.error({ err: error }, 'unexpected failure');
    return reply.code(internalError.statusCode).send(internalError.body);
  });

  // The schemas document the routes; the library's codecs validate (422 with every failing path), and answers
  // are written as JSON.stringify writes them, so a schema can never drop or reshape a field.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const schema = routeSchemas[`${methods[0]} ${route.url}`];
    const target = route as { schema?: unknown };
    if (schema !== undefined && target.schema === undefined)
      target.schema = { ...schema, security: [{ bearer: [] }] };
  });

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'jobledger', version: '0.1.0', description: 'Jobs as an event-sourced state machine' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: componentSchemas as Record<string, object>,
      },
      security: [{ bearer: [] }],
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: docsPolicy });
  void app.register(pageRoutes);
  void app.register(machineRoute);
  if (options.metrics !== undefined) void app.register(metricsRoutes(options.metrics));
  void app.register(async (api) => {
    api.addHook('onRequest', bearerAuth(tokens));
    idempotentCommands(api, idempotency, () => Date.now());
    await api.register(jobRoutes(ledger));
    await api.register(agentRoutes(ledger, shutdown.signal));
    await api.register(clientRoutes(ledger));
    await api.register(
      waitRoutes(ledger, shutdown.signal, { ...defaultEventStreamLimits, maxBufferedBytes }),
    );
    await api.register(fileRoutes(ledger));
    await api.register(proofRoutes(ledger));
    await api.register(
      overviewRoutes(ledger, shutdown.signal, {
        ...(options.clock !== undefined && { clock: options.clock }),
        maxBufferedBytes,
      }),
    );
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return {
    app,
    listen: async ({ port, host }) => {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
    },
    close: async () => {
      shutdown.abort();
      // Held requests (claims, long polls, event streams) answer the shutdown after close() began, and their
      // connections go idle only then; a connection on which no request ever came counts as busy to Node. Drop
      // every connection without a request in progress as it becomes one, instead of waiting out keep-alives.
      connections.sweep();
      const sweep = setInterval(() => connections.sweep(), 25);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
    },
  };
};
