import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobLedgerClient } from '../../../src/client.js';
import { err, ok } from '../../app/support.js';
import { countEvents, principals, startServer } from '../http/httpTestServer.js';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A plain HTTP server on a free loopback port answering every request with `answer`. */
const fakeServer = async (answer: (path: string) => { status: number; type: string; body: string }) => {
  const server: Server = createServer((req, res) => {
    const { status, type, body } = answer(req.url ?? '/');
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** A serve over `storeUrl` on `port` (0: any free one). */
const serveOn = async (storeUrl: string, port: number) => {
  const ledger = createJobLedger({ store: openStore(storeUrl) });
  const tokens = new Map(Object.entries(principals) as [string, TokenPrincipal][]);
  const server = createHttpServer({ ledger, tokens });
  const url = await server.listen({ port, host: '127.0.0.1' });
  return {
    url,
    stop: async () => {
      await server.close();
      await ledger.close()();
    },
  };
};

const dir = mkdtempSync(join(tmpdir(), 'jobledger-client-faults-'));
let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the remote client on bad input and faults', () => {
  it('learns its principal from the token, and a wrong token is Forbidden naming no secret', async () => {
    const agent = createJobLedgerClient({ url: s.url, token: 'agent-token' });
    expect(() => agent.principal).toThrow(/connect/);
    expect(await ok(agent.connect())).toMatchObject({
      kind: 'agent',
      id: 'agent-1',
      tenantId: 't1',
      poolIds: ['gpu'],
    });
    expect(agent.principal.id).toBe('agent-1');
    const wrong = createJobLedgerClient({ url: s.url, token: 'not-a-known-token-9f3a' });
    const refused = await err(wrong.getJob('j-1'));
    expect(refused._tag).toBe('Forbidden');
    expect(refused.message).toContain('401');
    expect(refused.message).not.toContain('not-a-known-token-9f3a');
  });

  it('says plainly when the server is not jobledger, or not there, naming the URL and never the token', async () => {
    const html = await fakeServer(() => ({ status: 404, type: 'text/html', body: '<h1>nginx</h1>' }));
    const other = await err(createJobLedgerClient({ url: html.url, token: 'secret-token-1' }).getJob('j-1'));
    expect(other).toMatchObject({ _tag: 'StoreError' });
    expect(other.message).toContain(`${html.url} does not answer as a jobledger server`);
    await html.stop();
    const gone = await err(
      createJobLedgerClient({
        url: html.url,
        token: 'secret-token-1',
        retry: { attempts: 2, baseMs: 1 },
      }).getJob('j-1'),
    );
    expect(gone._tag).toBe('StoreError');
    expect(gone.message).toContain(`cannot reach GET /jobs/{id} at ${html.url} (ECONNREFUSED)`);
    expect(gone.message).not.toContain('secret-token-1');
  });

  it('refuses an answer that fails the codecs with a StoreError naming the route', async () => {
    const odd = await fakeServer(() => ({ status: 200, type: 'application/json', body: '{"id":"j-1"}' }));
    const answer = await err(createJobLedgerClient({ url: odd.url, token: 'secret-token-1' }).getJob('j-1'));
    expect(answer._tag).toBe('StoreError');
    expect(answer.message).toMatch(
      /^the answer of GET \/jobs\/\{id\} at http:\/\/127\.0\.0\.1:\d+ does not decode: /,
    );
    await odd.stop();
  });

  it('retries a read whose answer was lost (503), and stops after close()', async () => {
    let calls = 0;
    const flaky = await fakeServer(() =>
      ++calls < 3
        ? { status: 503, type: 'text/plain', body: 'busy' }
        : { status: 200, type: 'application/json', body: '{"kind":"user","id":"u-1","tenant_id":"t1"}' },
    );
    const client = createJobLedgerClient({ url: flaky.url, token: 'secret-token-1', retry: { baseMs: 1 } });
    expect((await ok(client.connect())).id).toBe('u-1');
    expect(calls).toBe(3);
    await client.close();
    expect((await err(client.connect())).message).toContain('closed');
    await flaky.stop();
  });

  it('retries a command whose answer was lost with the same key: one event, the first answer', async () => {
    const before = await countEvents(s.ledger);
    const keys: string[] = [];
    let lost = 0;
    const client = createJobLedgerClient({
      url: s.url,
      token: 'alice-token',
      retry: { baseMs: 1 },
      // The first try reaches the server and commits; then its answer is lost (connection reset).
      fetch: async (input, init) => {
        keys.push(new Headers(init?.headers).get('idempotency-key') ?? '');
        const response = await fetch(input, init);
        if (lost++ > 0) return response;
        await response.body?.cancel();
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      },
    });
    const job = await ok(client.createJob({ function: { id: 'fn-lost' }, file: { name: 'p.json' } }));
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect((await countEvents(s.ledger)) - before).toBe(2); // JobCreated + Pending, once
    expect((await ok(client.getJob(job.id))).id).toBe(job.id);
  });

  it('refuses a createJob input too large for the header of a streamed create as a ValidationError', async () => {
    const client = createJobLedgerClient({ url: s.url, token: 'alice-token' });
    const big = {
      function: { id: 'fn-big' },
      file: { name: 'p.json', description: 'x'.repeat(20_000), content: '{}' },
    };
    const refused = await err(client.createJob(big));
    expect(refused).toMatchObject({ _tag: 'ValidationError', issues: [{ path: 'input' }] });
  });

  it('lets the caller name the Idempotency-Key: the same key, the same job, once', async () => {
    const client = createJobLedgerClient({ url: s.url, token: 'alice-token' });
    const order = client.withIdempotencyKey('order-42');
    const first = await ok(order.createJob({ function: { id: 'fn-order' }, file: { name: 'p.json' } }));
    const events = await countEvents(s.ledger);
    const again = await ok(order.createJob({ function: { id: 'fn-order' }, file: { name: 'p.json' } }));
    expect(again.id).toBe(first.id);
    expect(await countEvents(s.ledger)).toBe(events);
    const other = await ok(client.createJob({ function: { id: 'fn-order' }, file: { name: 'p.json' } }));
    expect(other.id).not.toBe(first.id);
  });

  it('keeps long-polling across the server’s per-request limit until the caller’s timeout', async () => {
    const asked: string[] = [];
    const poll = await fakeServer((path) => {
      asked.push(path);
      return asked.length < 3
        ? {
            status: 408,
            type: 'application/json',
            body: '{"error":"Timeout","message":"not yet","after_ms":1}',
          }
        : { status: 200, type: 'application/json', body: '{"status":"Failed"}' };
    });
    const client = createJobLedgerClient({ url: poll.url, token: 'secret-token-1' });
    expect(await ok(client.pollJob('j-1', { timeoutMs: 20_000 }))).toBe('Failed');
    expect(asked).toHaveLength(3);
    expect(asked[0]).toMatch(/^\/jobs\/j-1\/poll\?timeout_s=(19|20)\.\d{3}$/);
    await poll.stop();
  });

  it('resumes reads and commands once a restarted serve is back on its port', async () => {
    const file = join(dir, 'restart.db');
    const first = await serveOn(`sqlite:${file}`, 0);
    const client = createJobLedgerClient({
      url: first.url,
      token: 'alice-token',
      retry: { attempts: 30, baseMs: 50, maxMs: 200 },
    });
    const job = await ok(client.createJob({ function: { id: 'fn-restart' }, file: { name: 'p.json' } }));
    await first.stop();
    const port = Number(new URL(first.url).port);
    // The server comes back while the client is already retrying.
    const read = client.getJob(job.id)();
    const cancel = client.cancelJob(job.id)();
    const second = await serveOn(`sqlite:${file}`, port);
    try {
      expect(await read).toMatchObject({ _tag: 'Right', right: { id: job.id } });
      expect(await cancel).toMatchObject({ _tag: 'Right', right: { id: job.id } });
    } finally {
      await second.stop();
    }
  });

  it('waits for a claimable job when the server answers at once (no long poll there)', async () => {
    const alice = createJobLedgerClient({ url: s.url, token: 'alice-token' });
    const agent = createJobLedgerClient({ url: s.url, token: 'agent-token' });
    const claimed = agent.getJobForAgent({ functionIds: ['fn-wait'], waitMs: 10_000 })();
    const job = await ok(alice.createJob({ function: { id: 'fn-wait' }, file: { name: 'p.json' } }));
    expect(await claimed).toMatchObject({ _tag: 'Right', right: { id: job.id } });
    const none = await ok(agent.getJobForAgent({ functionIds: ['fn-none'], waitMs: 0 }));
    expect(none).toHaveProperty('message');
  });
});
