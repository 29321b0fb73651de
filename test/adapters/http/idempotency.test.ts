import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/adapters/openStore.js';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import { sqliteIdempotencyStore } from '../../../src/adapters/http/idempotency/sqliteIdempotencyStore.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { countEvents, principals, startServer } from './httpTestServer.js';

const dir = mkdtempSync(join(tmpdir(), 'jobledger-idempotency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const post = async (
  url: string,
  token: string,
  key: string,
  body: unknown = { function: { id: 'fn-idem' }, file: { name: 'p.json' } },
) => {
  const res = await fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    replayed: res.headers.get('idempotency-replayed'),
    body: (await res.json()) as { id: string },
  };
};

/** serve over a SQLite file, answers of keys kept in the same file. */
const sqliteServe = async (file: string) => {
  const ledger = createJobLedger({ store: openStore(`sqlite:${file}`) });
  const idempotency = sqliteIdempotencyStore(file);
  const server = createHttpServer({
    ledger,
    tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
    idempotency,
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    ledger,
    stop: async () => {
      await server.close();
      await idempotency.close();
      await ledger.close()();
    },
  };
};

describe('Idempotency-Key on commands', () => {
  it('answers a repeat with the first answer and appends nothing; the key is per principal', async () => {
    const s = await startServer();
    try {
      const first = await post(s.url, 'alice-token', 'key-1');
      const events = await countEvents(s.ledger);
      const again = await post(s.url, 'alice-token', 'key-1');
      expect([first.status, again.status, again.replayed]).toEqual([201, 201, 'true']);
      expect(again.body).toEqual(first.body);
      expect(await countEvents(s.ledger)).toBe(events);
      const other = await post(s.url, 'admin-token', 'key-1');
      expect([other.status, other.replayed]).toEqual([201, null]);
      expect(other.body.id).not.toBe(first.body.id);
      const reused = await fetch(`${s.url}/jobs/${first.body.id}/cancel`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'idempotency-key': 'key-1' },
      });
      expect(reused.status).toBe(422);
      expect(((await reused.json()) as { message: string }).message).toContain('was used for POST /jobs');
    } finally {
      await s.stop();
    }
  });

  it('runs repeats that arrive together once: they wait for the first answer', async () => {
    const s = await startServer();
    try {
      const before = await countEvents(s.ledger);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => post(s.url, 'alice-token', 'together')),
      );
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(4);
      expect((await countEvents(s.ledger)) - before).toBe(2);
    } finally {
      await s.stop();
    }
  });

  it('keeps the answers in the SQLite file across a serve restart', async () => {
    const file = join(dir, 'ledger.db');
    const a = await sqliteServe(file);
    const first = await post(a.url, 'alice-token', 'restart-key');
    const events = await countEvents(a.ledger);
    await a.stop();
    const b = await sqliteServe(file);
    try {
      const again = await post(b.url, 'alice-token', 'restart-key');
      expect([again.status, again.replayed, again.body.id]).toEqual([201, 'true', first.body.id]);
      expect(await countEvents(b.ledger)).toBe(events);
    } finally {
      await b.stop();
    }
  });
});
