import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger, type JobLedger } from '../../../src/app/createJobLedger.js';
import { telemetryHarness } from '../../app/telemetry/telemetryHarness.js';
import { principals } from './httpTestServer.js';

const otel = telemetryHarness();
let ledger: JobLedger;
let server: HttpServer;
let url: string;
beforeAll(async () => {
  ledger = createJobLedger({ store: openStore('memory:'), telemetry: otel.telemetry });
  server = createHttpServer({
    ledger,
    tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
    tracerProvider: otel.telemetry.tracerProvider,
  });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  await ledger?.close()();
  await otel.shutdown();
});

const createJob = (headers: Record<string, string> = {}) =>
  fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ function: { id: 'fn' }, file: { name: 'a.json' } }),
  });

describe('request spans', () => {
  it('continue an incoming W3C traceparent; the command and its append are inside the request’s span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    otel.spans.reset();
    const res = await createJob({ traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(res.status).toBe(201);
    const jobId = ((await res.json()) as { id: string }).id;
    const spans = await otel.finished();
    const request = spans.find((s) => s.name === 'POST /jobs')!;
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.spanContext().traceId).toBe(traceId);
    expect(request.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(request.attributes).toMatchObject({ 'http.route': '/jobs', 'http.response.status_code': 201 });
    const command = spans.find((s) => s.name === 'jobledger.command')!;
    expect(command.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(command.attributes['jobledger.job.id']).toBe(jobId);
    const append = spans.find((s) => s.name === 'jobledger.store.append')!;
    expect(append.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    expect(new Set([request, command, append].map((s) => s.spanContext().traceId))).toEqual(
      new Set([traceId]),
    );
  });

  it('start a new trace without a traceparent, or with a malformed one', async () => {
    const variants: Record<string, string>[] = [
      {},
      { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
    ];
    for (const headers of variants) {
      otel.spans.reset();
      expect((await createJob(headers)).status).toBe(201);
      const request = (await otel.finished()).find((s) => s.name === 'POST /jobs')!;
      expect(request.parentSpanContext).toBeUndefined();
      expect(request.spanContext().traceId).not.toMatch(/^0+$/);
    }
  });

  it('name the route, never the query string that may hold a token', async () => {
    const created = (await (await createJob()).json()) as { id: string };
    otel.spans.reset();
    const stream = new AbortController();
    const res = await fetch(`${url}/jobs/${created.id}/events?access_token=alice-token`, {
      signal: stream.signal,
    });
    expect(res.status).toBe(200);
    stream.abort();
    await expect
      .poll(async () => (await otel.finished()).some((s) => s.name === 'GET /jobs/:id/events'))
      .toBe(true);
    const request = (await otel.finished()).find((s) => s.name === 'GET /jobs/:id/events')!;
    expect(request.attributes['url.path']).toBe(`/jobs/${created.id}/events`);
    expect(JSON.stringify((await otel.finished()).map((s) => s.attributes))).not.toContain('alice-token');
  });
});

describe('request spans without a tracer behind the server', () => {
  // The server's spans go to the API's global provider, which has no SDK here (it records nothing); the
  // ledger's own spans still record. Without a trace to continue, the server skips its span altogether.
  let bare: HttpServer;
  let bareUrl: string;
  beforeAll(async () => {
    bare = createHttpServer({
      ledger,
      tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
    });
    bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await bare?.close();
  });
  const post = (headers: Record<string, string>) =>
    fetch(`${bareUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ function: { id: 'fn' }, file: { name: 'a.json' } }),
    });

  it('the command starts its own trace without a traceparent, and continues the caller’s with one', async () => {
    otel.spans.reset();
    expect((await post({})).status).toBe(201);
    const alone = (await otel.finished()).find((s) => s.name === 'jobledger.command')!;
    expect(alone.parentSpanContext).toBeUndefined();
    expect(alone.spanContext().traceId).not.toMatch(/^0+$/);

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    otel.spans.reset();
    expect((await post({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).status).toBe(201);
    const spans = await otel.finished();
    expect(spans.some((s) => s.name === 'POST /jobs')).toBe(false);
    const continued = spans.find((s) => s.name === 'jobledger.command')!;
    expect(continued.spanContext().traceId).toBe(traceId);
    expect(continued.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});
