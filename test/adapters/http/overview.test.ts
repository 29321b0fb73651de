import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, type TokenName } from './httpTestServer.js';

let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

const job = { function: { id: 'fn' }, file: { name: 'a.json' } };
const overview = async (token: TokenName) => {
  const res = await call(s.url, 'GET', '/overview', token);
  expect(res.status).toBe(200);
  return res.body as {
    counts: Record<string, number>;
    total: number;
    throughput: {
      bucket_seconds: number;
      until: string;
      created: number[];
      completed: number[];
      failed: number[];
    };
  };
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('GET /overview (the list page’s pictures)', () => {
  it('needs a token, and names a bad archive_status', async () => {
    expect((await call(s.url, 'GET', '/overview', undefined)).status).toBe(401);
    const bad = await call(s.url, 'GET', '/overview?archive_status=gone', 'alice-token');
    expect(bad.status).toBe(422);
    expect(bad.body.issues).toEqual([
      { path: 'archive_status', message: 'expected active, archived or all, got gone' },
    ]);
  });

  it('the first answer of a server already counts the jobs created before anyone asked', async () => {
    const fresh = await startServer();
    try {
      await call(fresh.url, 'POST', '/jobs', 'alice-token', job);
      await call(fresh.url, 'POST', '/jobs', 'alice-token', job);
      // No polling: the window has caught up with the log before it answers.
      const first = (await call(fresh.url, 'GET', '/overview', 'alice-token')).body as {
        throughput: { created: number[] };
      };
      expect(sum(first.throughput.created)).toBe(2);
    } finally {
      await fresh.stop();
    }
  });

  it('counts per status what the token may see, and the flow of the last 15 minutes by owner or tenant', async () => {
    const a = (await call(s.url, 'POST', '/jobs', 'alice-token', job)).body as { id: string };
    await call(s.url, 'POST', '/jobs', 'alice-token', job);
    await call(s.url, 'POST', '/jobs', 'admin-token', job);
    await call(s.url, 'POST', '/jobs', 'bob-t2-token', job);
    await call(s.url, 'POST', `/jobs/${a.id}/cancel`, 'alice-token', {});
    const claimed = (await call(s.url, 'POST', '/agent/job', 'agent-token', {})).body as { id: string };
    await call(s.url, 'PUT', `/jobs/${claimed.id}/status`, 'agent-token', { status: 'Running' });
    await call(s.url, 'PUT', `/jobs/${claimed.id}/status`, 'agent-token', {
      status: 'Failed',
      message: 'no',
    });

    // The flow follows the store through one subscription: wait until it has seen the last event.
    await expect.poll(async () => sum((await overview('admin-token')).throughput.failed)).toBe(1);
    const admin = await overview('admin-token');
    expect(admin.counts).toMatchObject({ Pending: 1, Canceled: 1, Failed: 1, Running: 0 });
    expect(admin.total).toBe(3);
    expect(sum(admin.throughput.created)).toBe(3);
    expect(admin.throughput.created).toHaveLength(15);
    expect(admin.throughput.bucket_seconds).toBe(60);
    expect(Date.parse(admin.throughput.until)).toBeGreaterThan(Date.now());

    const alice = await overview('alice-token');
    expect(alice.total).toBe(2);
    expect(sum(alice.throughput.created)).toBe(2);
    const bob = await overview('bob-t2-token');
    expect(bob.counts.Pending).toBe(1);
    expect(bob.total).toBe(1);
    expect(sum(bob.throughput.created)).toBe(1);
    expect(sum(bob.throughput.failed)).toBe(0);
    for (const [name, body] of [
      ['admin', admin],
      ['alice', alice],
      ['bob', bob],
    ] as const)
      for (const status of Object.keys(body.counts)) {
        const page = await call(
          s.url,
          'GET',
          `/jobs?status_name=${status}&size=1`,
          `${name === 'bob' ? 'bob-t2' : name}-token` as TokenName,
        );
        expect([name, status, body.counts[status]]).toEqual([name, status, page.body.total]);
      }
  });

  it('the machine layout is public, like the page’s files', async () => {
    const res = await call(s.url, 'GET', '/machine.json', undefined);
    expect(res.status).toBe(200);
    expect(res.body.states).toHaveLength(10);
  });
});

describe('GET /overview/events (the list page, live)', () => {
  it('sends the overview at once, then again when what the token sees changed, never another tenant’s change', async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/overview/events?access_token=alice-token`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    type Overview = { total: number; counts: Record<string, number>; throughput: { until: string } };
    const next = async (): Promise<Overview> => {
      for (;;) {
        const end = text.indexOf('\n\n');
        if (end >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          expect(frame.split('\n')[0]).toBe('event: overview');
          return JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as never;
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('the overview stream ended');
        text += decoder.decode(chunk.value, { stream: true });
      }
    };
    // The next message whose total differs from `previous`'s; one in between may only be a new minute of the window.
    const nextChange = async (previous: Overview): Promise<Overview> => {
      for (;;) {
        const message = await next();
        if (message.total !== previous.total) return message;
        expect(message.throughput.until).not.toBe(previous.throughput.until);
        previous = message;
      }
    };
    try {
      const first = await next();
      await call(s.url, 'POST', '/jobs', 'alice-token', job);
      const second = await nextChange(first);
      expect(second.total).toBe(first.total + 1);
      expect(second.counts.Pending).toBe(first.counts.Pending! + 1);
      // Another tenant's job changes nothing alice sees: no message for it; her next job is the next message.
      await call(s.url, 'POST', '/jobs', 'bob-t2-token', job);
      await call(s.url, 'POST', '/jobs', 'alice-token', job);
      expect((await nextChange(second)).total).toBe(first.total + 2);
    } finally {
      abort.abort();
    }
  });

  it('names a bad archive_status before streaming', async () => {
    const bad = await call(s.url, 'GET', '/overview/events?archive_status=gone', 'alice-token');
    expect(bad.status).toBe(422);
  });
});
