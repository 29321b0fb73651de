import type { FastifyServerOptions } from 'fastify';

/** The query parameters that carry a credential: never written to a log line. */
const secretParameters = /([?&](?:access_token|token)=)[^&#]*/gi;

/** `url` with the value of every credential parameter replaced by `[redacted]`. */
export const redactUrl = (url: string): string => url.replace(secretParameters, '$1[redacted]');

/** The levels of the request log, quietest last. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Where and how much the service logs (one JSON line per record, pino's format). */
export interface RequestLogOptions {
  /** pino's level: `info` logs every request and answer, `warn` only problems. */
  readonly level?: (typeof logLevels)[number];
  /** Where the lines go (default: standard output). */
  readonly stream?: { write(line: string): unknown };
}

/**
 * Fastify's logger with requests written without credentials: the URL with `access_token` redacted (the event
 * stream takes the token there, since EventSource cannot send headers), and no headers at all, so a bearer
 * token never reaches a log line.
 */
export const requestLogger = (options: RequestLogOptions): FastifyServerOptions['logger'] => ({
  level: options.level ?? 'info',
  ...(options.stream !== undefined && { stream: options.stream as NodeJS.WritableStream }),
  serializers: {
    req: (req: { method?: string; url?: string; ip?: string; socket?: { remotePort?: number } }) => ({
      method: req.method,
      url: redactUrl(req.url ?? ''),
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    }),
  },
});
