import http from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../../src/adapters/http/securityHeaders.js';
import { call, startServer } from './httpTestServer.js';

let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

const directives = (header: string | null) =>
  new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0] !== '')
      .map(([name, ...values]) => [name!, values]),
  );

describe('security headers', () => {
  it('the page, its script and the API answer with a strict CSP, nosniff and no framing', async () => {
    for (const path of ['/', '/page.js', '/page.css', '/jobs', '/openapi.json']) {
      const res = await fetch(`${s.url}${path}`);
      const csp = directives(res.headers.get('content-security-policy'));
      expect([path, csp.get('script-src')]).toEqual([path, ["'self'"]]);
      expect(csp.get('script-src-attr')).toEqual(["'none'"]);
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('answers exactly the headers helmet sets itself (recorded once, replayed on every answer)', async () => {
    // helmet's own middleware on a bare Node server: the slow path the recorded list replaces.
    const bare = http.createServer((req, res) => helmet(securityHeaders)(req, res, () => res.end('{}')));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const expected = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
      const names = [...expected.headers.keys()].filter(
        (n) => !['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(n),
      );
      expect(names.length).toBeGreaterThan(8);
      for (const [path, token] of [
        ['/jobs', 'alice-token'],
        ['/jobs', undefined],
        ['/nowhere', undefined],
        ['/page.js', undefined],
      ] as const) {
        const res = await fetch(`${s.url}${path}`, {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
        for (const name of names)
          expect([path, name, res.headers.get(name)]).toEqual([path, name, expected.headers.get(name)]);
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });

  it('the page has no inline script or handler for the CSP to block', async () => {
    const html = await (await fetch(`${s.url}/`)).text();
    expect(html).toMatch(/<script src="\/page\.js"><\/script>/);
    expect(html.replace(/<script src="[^"]+"><\/script>/g, '')).not.toMatch(/<script|\son[a-z]+=/i);
  });

  it('the API docs page keeps its own hashes for swagger-ui, and never is framed or fetches elsewhere', async () => {
    const res = await fetch(`${s.url}/docs/static/index.html`);
    expect(res.status).toBe(200);
    const header = res.headers.get('content-security-policy') ?? '';
    const csp = directives(header);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('script-src')?.[0]).toBe("'self'");
    expect(header).not.toMatch(/https:|upgrade-insecure-requests|unsafe-inline/);
  });

  it('an unknown route with a token in its query answers 404 without echoing the token', async () => {
    const res = await call(s.url, 'GET', '/nowhere?access_token=alice-token', undefined);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('alice-token');
    expect(res.body.message).toContain('access_token=[redacted]');
  });
});
