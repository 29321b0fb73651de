import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, startServer, type TokenName } from './httpTestServer.js';

let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer('memory:', 64 * 1024);
});
afterAll(async () => s.stop());

/** A small seeded generator (mulberry32), so a failure repeats with the same seed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

it('answers thousands of random and mutated requests without a 500, and appends nothing for those it refuses or that only read', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? 7);
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const created = await call(s.url, 'POST', '/jobs', 'alice-token', {
    function: { id: 'fn' },
    file: { name: 'a.json' },
  });
  // Without the job every job route would answer 404 and the fuzz would reach no command.
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const scalars = [
    null,
    true,
    0,
    -1,
    1e308,
    '',
    'x'.repeat(300),
    '💥',
    '__proto__',
    'Completed',
    [],
    {},
    '2026-13-45',
  ];
  const keys = [
    'status',
    'message',
    'agent_id',
    'reason',
    'content',
    'function',
    'file',
    'relation',
    'email',
    'subject_type',
    'subject_id',
    'display_name',
    '__proto__',
    'constructor',
    'size',
    'page',
  ];
  const value = (depth: number): unknown => {
    if (depth > 2 || r() < 0.5) return pick(scalars);
    if (r() < 0.3) return Array.from({ length: Math.floor(r() * 3) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(r() * 4) }, () => [pick(keys), value(depth + 1)]),
    );
  };
  const routes = [
    ['PUT', `/jobs/${id}/status`],
    ['POST', `/jobs/${id}/cancel`],
    ['PUT', `/jobs/${id}/agent`],
    ['POST', `/jobs/${id}/archive`],
    ['PATCH', `/jobs/${id}/properties`],
    ['POST', `/jobs/${id}/comments`],
    ['POST', `/jobs/${id}/access`],
    ['POST', '/agent/job'],
    ['GET', '/jobs'],
    ['GET', `/jobs/${id}/history`],
    ['GET', `/jobs/${encodeURIComponent('../%00')}`],
    ['POST', `/jobs/${id}/restore`],
    ['PUT', `/jobs/${id}/file`],
    ['GET', `/jobs/${id}/file`],
    ['GET', `/jobs/${id}/file/revisions`],
    ['GET', `/jobs/${id}/verify`],
  ] as const;
  const tokens: TokenName[] = ['bob-t2-token', 'agent-token', 'alice-token'];
  // Events appended since the last call, read from the log after the last position seen.
  let seen: string | undefined;
  const appendedSince = async (): Promise<number> => {
    let n = 0;
    for await (const e of s.ledger.store.readAll(seen === undefined ? {} : { after: seen })) {
      n++;
      seen = e.position;
    }
    return n;
  };
  const statuses = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    const [method, path] = pick(routes);
    const query = Array.from(
      { length: Math.floor(r() * 3) },
      () => `${pick(keys)}=${encodeURIComponent(String(pick(scalars)))}`,
    ).join('&');
    const body = r() < 0.15 ? JSON.stringify(value(0)).slice(0, Math.floor(r() * 40)) : value(0);
    await appendedSince();
    const res = await call(
      s.url,
      method,
      query ? `${path}?${query}` : path,
      pick(tokens),
      method === 'GET' ? undefined : body,
    );
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const request = `${method} ${path}?${query} ${JSON.stringify(body)}`;
    expect(res.status, request).toBeLessThan(500);
    // Random bodies may still be valid commands now and then (a comment, a cancel, a claim): only those may
    // append. A refused request, and any GET, leaves the log as it was.
    if (res.status >= 300 || method === 'GET')
      expect(await appendedSince(), `${request} answered ${res.status}`).toBe(0);
  }
  expect([...statuses.keys()].some((c) => c >= 400)).toBe(true);
}, 60_000);
