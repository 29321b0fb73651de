import { afterEach, describe, expect, it } from 'vitest';
import { call, startServer } from './httpTestServer.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
const server = async () => {
  const s = await startServer();
  stops.push(s.stop);
  return s;
};

describe('POST /agent/job?wait_s= (a claim that waits for work)', () => {
  it('holds the request until a job is created, then answers it', async () => {
    const { url } = await server();
    const waiting = call(url, 'POST', '/agent/job?wait_s=60', 'agent-token');
    // The agent is waiting; the job appears while it does.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const created = await call(url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn-1' },
      file: { name: 'params.json' },
    });
    expect(created.status).toBe(201);
    const startedAt = Date.now();
    const claimed = await waiting;
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ id: created.body.id, agent_id: 'agent-1' });
  });

  it('a held claim with a body (function_ids) waits too, and takes only a job of its functions', async () => {
    const { url } = await server();
    const waiting = call(url, 'POST', '/agent/job?wait_s=60', 'agent-token', { function_ids: ['fn-2'] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = await call(url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn-1' },
      file: { name: 'params.json' },
    });
    const mine = await call(url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn-2' },
      file: { name: 'params.json' },
    });
    const claimed = await waiting;
    expect(claimed.body).toMatchObject({ id: mine.body.id });
    expect((await call(url, 'GET', `/jobs/${other.body.id}`, 'alice-token')).body.agent_id).toBeNull();
  });

  it('answers a NoJobResponse when the time is up', async () => {
    const { url } = await server();
    const answer = await call(url, 'POST', '/agent/job?wait_s=0.2', 'agent-token');
    expect(answer).toMatchObject({ status: 200, body: { message: expect.stringContaining('no job') } });
  });

  it('rejects a wait outside 0..60 s with a ValidationError naming wait_s', async () => {
    const { url } = await server();
    for (const bad of ['61', '-1', 'soon', '1e3']) {
      const answer = await call(url, 'POST', `/agent/job?wait_s=${bad}`, 'agent-token');
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ error: 'ValidationError', issues: [{ path: 'wait_s' }] });
    }
  });

  it('a held claim ends cleanly when the server shuts down', async () => {
    const { url, server: http, ledger } = await startServer();
    const waiting = call(url, 'POST', '/agent/job?wait_s=60', 'agent-token');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = Date.now();
    await http.close();
    const answer = await waiting;
    expect(Date.now() - closing).toBeLessThan(5000);
    expect(answer).toMatchObject({ status: 200, body: { message: expect.stringContaining('no job') } });
    await ledger.close()();
  });

  it('documents wait_s in the OpenAPI schema', async () => {
    const { url } = await server();
    const spec = await call(url, 'GET', '/openapi.json', undefined);
    const params = spec.body.paths['/agent/job'].post.parameters as { name: string; in: string }[];
    expect(params).toContainEqual(expect.objectContaining({ name: 'wait_s', in: 'query' }));
  });
});
