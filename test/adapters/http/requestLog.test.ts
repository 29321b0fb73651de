import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import { redactUrl } from '../../../src/adapters/http/requestLog.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { principals } from './httpTestServer.js';

describe('the request log', () => {
  it('redacts access_token (and token) parameters and keeps the rest of the URL', () => {
    expect(redactUrl('/jobs/1/events?access_token=s3cret&x=1')).toBe(
      '/jobs/1/events?access_token=[redacted]&x=1',
    );
    expect(redactUrl('/a?x=1&token=abc#f')).toBe('/a?x=1&token=[redacted]#f');
    expect(redactUrl('/jobs?status_name=Pending')).toBe('/jobs?status_name=Pending');
  });

  it('logs every request of a session that used the event stream without any token in any line', async () => {
    const lines: string[] = [];
    const ledger = createJobLedger({ store: openStore('memory:') });
    const server = createHttpServer({
      ledger,
      tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const created = await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
        body: JSON.stringify({ function: { id: 'fn' }, file: { name: 'a.json' } }),
      });
      const { id } = (await created.json()) as { id: string };
      const stream = new AbortController();
      const events = await fetch(`${url}/jobs/${id}/events?access_token=alice-token`, {
        signal: stream.signal,
      });
      expect(events.status).toBe(200);
      const reader = events.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('jobledger event stream');
      stream.abort();
      await fetch(`${url}/jobs/${id}/events?access_token=wrong-token-here`);
      await fetch(`${url}/missing?access_token=agent-token`, {
        headers: { authorization: 'Bearer admin-token' },
      });
    } finally {
      await server.close();
      await ledger.close()();
    }
    const log = lines.join('');
    expect(log).toContain('access_token=[redacted]');
    expect(log).toContain('"statusCode":401');
    for (const token of [...Object.keys(principals), 'wrong-token-here']) expect(log).not.toContain(token);
    expect(log).not.toMatch(/bearer/i);
  });
});
