import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
