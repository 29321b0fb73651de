import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import {
  openPrometheusMetrics,
  type PrometheusMetrics,
} from '../../../src/adapters/telemetry/prometheusMetrics.js';
import { createJobLedger, type JobLedger } from '../../../src/app/createJobLedger.js';
import { jobStatusNames } from '../../../src/domain/JobStatusName.js';
import { parsePrometheusText } from '../../support/prometheusText.js';
import { call, principals } from './httpTestServer.js';

let metrics: PrometheusMetrics;
let ledger: JobLedger;
let server: HttpServer;
let url: string;
beforeAll(async () => {
  metrics = await openPrometheusMetrics();
  ledger = createJobLedger({
    store: openStore('memory:'),
    telemetry: { meterProvider: metrics.meterProvider },
  });
  server = createHttpServer({
    ledger,
    tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
    metrics: metrics.endpoint,
  });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  await ledger?.close()();
  await metrics?.close();
});

const scrape = async () => {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
};

describe('GET /metrics (serve --metrics)', () => {
  it('answers the Prometheus text format; its jobs-per-status gauge matches listJobs totals', async () => {
    const job = { function: { id: 'fn' }, file: { name: 'a.json' } };
    // The oldest job, the one the agent claims, is its pool's.
    expect(
      (await call(url, 'POST', '/jobs', 'alice-token', { ...job, assigned_agent_pool_id: 'gpu' })).status,
    ).toBe(201);
    for (let i = 0; i < 3; i++)
      expect((await call(url, 'POST', '/jobs', 'alice-token', job)).status).toBe(201);
    expect((await call(url, 'POST', '/jobs', 'bob-t2-token', job)).status).toBe(201);
    const claimed = await call(url, 'POST', '/agent/job', 'agent-token', {});
    expect(claimed.status).toBe(200);
    expect(
      (await call(url, 'PUT', `/jobs/${claimed.body.id}/status`, 'agent-token', { status: 'Running' }))
        .status,
    ).toBe(200);
    expect(
      (await call(url, 'PUT', `/jobs/${claimed.body.id}/status`, 'agent-token', { status: 'Completed' }))
        .status,
    ).toBe(200);
    expect(
      (await call(url, 'PUT', `/jobs/${claimed.body.id}/status`, 'agent-token', { status: 'Running' }))
        .status,
    ).toBe(409);

    const { samples, types } = await scrape();
    expect(types.get('jobledger_jobs')).toBe('gauge');
    const gauge = samples.filter((s) => s.name === 'jobledger_jobs');
    expect(gauge.map((s) => s.labels.status).sort()).toEqual([...jobStatusNames].sort());
    for (const status of jobStatusNames) {
      const page = await ledger.system.listJobs({ status, size: 1 })();
      expect(page._tag).toBe('Right');
      const total = page._tag === 'Right' ? page.right.total : -1;
      expect([status, gauge.find((s) => s.labels.status === status)!.value]).toEqual([status, total]);
    }
    expect(gauge.find((s) => s.labels.status === 'Pending')!.value).toBe(4);
    expect(gauge.find((s) => s.labels.status === 'Completed')!.value).toBe(1);

    const commands = (command: string, outcome: string) =>
      samples.find(
        (s) =>
          s.name === 'jobledger_commands_total' &&
          s.labels.command === command &&
          s.labels.outcome === outcome,
      )?.value;
    expect(commands('createJob', 'ok')).toBe(5);
    expect(commands('updateStatus', 'ok')).toBe(2);
    expect(commands('updateStatus', 'Conflict')).toBe(1);
    expect(samples.find((s) => s.name === 'jobledger_claims_total')?.labels.pool).toBe('gpu');
    const appends = samples.find(
      (s) => s.name === 'jobledger_store_append_duration_count' && s.labels.outcome === 'ok',
    );
    expect(appends?.value).toBe(8);
    expect(
      samples.find(
        (s) => s.name === 'jobledger_pool_jobs' && s.labels.pool === 'gpu' && s.labels.status === 'Pending',
      )?.value,
    ).toBe(0);
  });

  it('is not served without the option, and needs no token when it is', async () => {
    const plain = createHttpServer({ ledger, tokens: new Map() });
    const base = await plain.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
    } finally {
      await plain.close();
    }
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});
