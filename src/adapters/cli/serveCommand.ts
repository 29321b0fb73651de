import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger } from '../../app/createJobLedger.js';
import { createHttpServer } from '../http/createHttpServer.js';
import { readTokensFile, type TokenTable } from '../http/tokens.js';
import { idempotencyStoreOf } from '../http/idempotency/idempotencyStoreOf.js';
import { cliFailure } from './cliFailure.js';
import { clockOf } from './CliIo.js';
import { defineCommand } from './defineCommand.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { offsetClock } from './offsetClock.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';
import { choiceOption, integerOption } from './parseArgs.js';
import { logLevels } from '../http/requestLog.js';
import { openPrometheusMetrics, type PrometheusMetrics } from '../telemetry/prometheusMetrics.js';
import { simulateJobTraffic } from './simulateJobTraffic.js';
import { signingKeyOf, signingKeyOption } from './proofFiles.js';

const leaseMs = 60_000;

/**
 * `jobledger serve`: the ledger over HTTP with the audit page at `/`, until SIGTERM or SIGINT (then it stops
 * accepting, finishes in-flight requests and closes the store).
 *
 * @example
 * // JOBLEDGER_TOKENS_FILE=tokens.json jobledger serve --port 8080
 */
export const serveCommand = defineCommand({
  command: 'serve',
  summary: 'serve the ledger over HTTP, with the audit timeline page',
  description:
    "Serves the ledger API (JSON, the SDK's snake_case shapes) and the audit page at http://H:P/, the OpenAPI document at /openapi.json and its docs page at /docs. Stops on SIGTERM or SIGINT after in-flight requests.",
  options: {
    port: { type: 'string', value: 'P', description: 'the port, 0 for any free one (default 8080)' },
    host: { type: 'string', value: 'H', description: 'the address to listen on (default 127.0.0.1)' },
    tokens: {
      type: 'string',
      value: 'FILE',
      description:
        'bearer tokens: a JSON object token -> principal, e.g. {"s3cret-token": {"kind": "user", "id": "u-1", "tenantId": "t1", "roles": ["administrator"]}} (default: JOBLEDGER_TOKENS_FILE; without either, one administrator token of tenant t-demo is made up for this run and printed in the page URL)',
    },
    demo: {
      type: 'boolean',
      description: 'when the store has no jobs, first fill it with 30 simulated jobs of tenant t-demo',
    },
    metrics: {
      type: 'boolean',
      description:
        'serve GET /metrics for Prometheus (no token needed: expose the port to your scraper only); needs npm install @opentelemetry/sdk-metrics @opentelemetry/exporter-prometheus',
    },
    'log-level': {
      type: 'string',
      value: 'L',
      choices: logLevels,
      description: `the request log on standard error, one JSON line per record, tokens redacted: ${logLevels.join(', ')} (default info)`,
    },
    store: storeOption,
    'signing-key': signingKeyOption,
  },
  run: async ({ values }, io) => {
    const signingKey = signingKeyOf(values['signing-key'], io);
    if (E.isLeft(signingKey)) return signingKey.left;
    const port = integerOption('port', values.port ?? '8080', 0, 65_535);
    if (E.isLeft(port)) return port.left;
    const host = values.host ?? '127.0.0.1';
    const logLevel = choiceOption('log-level', values['log-level'] ?? 'info', logLevels);
    if (E.isLeft(logLevel)) return logLevel.left;
    const tokensFile = values.tokens ?? (io.env.JOBLEDGER_TOKENS_FILE || undefined);
    let tokens: TokenTable;
    let pageToken: string | undefined;
    if (tokensFile === undefined) {
      pageToken = randomBytes(18).toString('base64url');
      tokens = new Map([
        [pageToken, { kind: 'user', id: 'u-admin', tenantId: 't-demo', roles: ['administrator'] }],
      ]);
    } else {
      const read = readTokensFile(tokensFile);
      if (E.isLeft(read))
        return cliFailure(read.left, 'fix the file, or see jobledger serve --help for its format');
      tokens = read.right;
    }
    const url = storeUrlOf(values.store, io);
    const clock = offsetClock(clockOf(io));
    let metrics: PrometheusMetrics | undefined;
    if (values.metrics === true) {
      try {
        metrics = await openPrometheusMetrics();
      } catch (error) {
        return cliFailure(
          error instanceof Error ? error.message : String(error),
          'or serve without --metrics',
        );
      }
    }
    const telemetry = metrics === undefined ? {} : { telemetry: { meterProvider: metrics.meterProvider } };
    const makeLedger = (store: Parameters<typeof createJobLedger>[0]['store']) =>
      createJobLedger({
        store,
        clock: clock.now,
        leaseMs,
        ...telemetry,
        ...(signingKey.right !== undefined && { signingKey: signingKey.right }),
      });
    return withLedger(url, io, { mustExist: false, makeLedger }, async (ledger) => {
      if (values.demo === true) {
        const existing = await ledger.system.listJobs({ size: 1, archiveStatus: 'all' })();
        if (E.isLeft(existing)) return jobErrorFailure(existing.left, 'serve --demo');
        if (existing.right.total === 0) {
          const seeded = await simulateJobTraffic(ledger, clock, { jobs: 30, agents: 3, seed: 1, leaseMs });
          if (E.isLeft(seeded)) return jobErrorFailure(seeded.left, 'serve --demo');
          io.stdout.write(`demo: 30 jobs of tenant t-demo added to ${url}\n`);
        }
      }
      const idempotency = idempotencyStoreOf(url);
      const server = createHttpServer({
        ledger,
        tokens,
        ...(idempotency !== undefined && { idempotency }),
        logger: { level: logLevel.right, stream: io.stderr },
        clock: clock.now,
        ...(metrics !== undefined && { metrics: metrics.endpoint }),
      });
      let base: string;
      try {
        base = await server.listen({ port: port.right, host });
      } catch (error) {
        return cliFailure(
          `cannot listen on ${host}:${port.right}: ${error instanceof Error ? error.message : String(error)}`,
          'pick another --port (or --port 0 for any free one)',
        );
      }
      io.stdout.write(
        `jobledger serving ${url} at ${base}/${pageToken === undefined ? '' : `#token=${pageToken}`}\n` +
          `API docs at ${base}/docs${metrics === undefined ? '' : `, metrics at ${base}/metrics`}; stop with Ctrl-C (SIGINT) or SIGTERM\n`,
      );
      if (pageToken !== undefined)
        io.stdout.write(`no --tokens file: this run's administrator token (tenant t-demo) is ${pageToken}\n`);
      const signal = await new Promise<string>((resolve) => {
        const stop = (name: string) => () => {
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          resolve(name);
        };
        const onTerm = stop('SIGTERM');
        const onInt = stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      io.stdout.write(`${signal}: finishing in-flight requests, then closing ${url}\n`);
      await server.close();
      await idempotency?.close();
      await metrics?.close();
      return 0;
    });
  },
});
