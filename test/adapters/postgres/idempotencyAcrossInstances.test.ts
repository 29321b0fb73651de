import { afterAll, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import { postgresIdempotencyStore } from '../../../src/adapters/http/idempotency/postgresIdempotencyStore.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { countEvents, principals } from '../http/httpTestServer.js';
import { describePg, dropSchema, freshSchema, pgUrl } from './pgTestServer.js';

describePg('Idempotency-Key across serve instances on one Postgres', () => {
  const schema = freshSchema('idempotency');
  const storeUrl = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.splice(0)) await stop();
    await dropSchema(schema);
  });

  const serve = async () => {
    const ledger = createJobLedger({ store: openStore(storeUrl) });
    const idempotency = postgresIdempotencyStore(storeUrl);
    const tokens = new Map(Object.entries(principals) as [string, TokenPrincipal][]);
    const server = createHttpServer({ ledger, tokens, idempotency });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    stops.push(async () => {
      await server.close();
      await idempotency.close();
      await ledger.close()();
    });
    return { url, ledger };
  };

  const post = async (url: string) => {
    const res = await fetch(`${url}/jobs`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer alice-token',
        'content-type': 'application/json',
        'idempotency-key': 'pg-key-1',
      },
      body: JSON.stringify({ function: { id: 'fn-pg' }, file: { name: 'p.json' } }),
    });
    return {
      status: res.status,
      replayed: res.headers.get('idempotency-replayed'),
      id: ((await res.json()) as { id: string }).id,
    };
  };

  it('answers a repeat sent to another instance with the first answer, appending nothing', async () => {
    const a = await serve();
    const b = await serve();
    const first = await post(a.url);
    const events = await countEvents(a.ledger);
    const again = await post(b.url);
    expect([first.status, again.status, again.replayed, again.id]).toEqual([201, 201, 'true', first.id]);
    expect(await countEvents(b.ledger)).toBe(events);
  });
});
