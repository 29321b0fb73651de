import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type TracerProvider,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { telemetryScope } from '../../app/telemetry/telemetryInstruments.js';

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The caller's trace from the request headers: through the propagator registered with `@opentelemetry/api`,
 * or, when none is (the API's default propagates nothing), from the W3C `traceparent` header read here.
 */
export const incomingContext = (headers: FastifyRequest['headers']): Context => {
  const extracted = propagation.extract(ROOT_CONTEXT, headers);
  if (trace.getSpanContext(extracted) !== undefined) return extracted;
  const header = headers.traceparent;
  const match = typeof header === 'string' ? traceparentPattern.exec(header.trim().toLowerCase()) : null;
  if (match === null || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
};

/**
 * A server span for every request, continuing the caller's W3C trace (`traceparent`), with the request's
 * handling (the ledger's command and store spans) inside it. Its attributes name the route, never the query
 * string, which may hold a token.
 */
export const requestTracing = (app: FastifyInstance, tracerProvider?: TracerProvider): void => {
  const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer(telemetryScope);
  app.addHook('onRequest', (request, reply, done) => {
    const parent = incomingContext(request.headers);
    const route = request.routeOptions.url ?? 'unknown route';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0]!,
        },
      },
      parent,
    );
    // No tracer behind the API (no SDK registered) and no trace to continue: the span records nothing and
    // carries no trace, so it changes nothing for the spans inside (they start their own trace either way).
    if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return done();
    // Ends when the answer is sent or the connection closes: also hijacked answers (event streams).
    reply.raw.once('close', () => {
      const status = reply.raw.headersSent ? reply.raw.statusCode : 499;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    // Everything after this hook (the other hooks, the handler) runs in this context.
    context.with(trace.setSpan(parent, span), done);
  });
};
