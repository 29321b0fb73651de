import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { call, startServer } from './httpTestServer.js';

const openSocket = (url: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });

describe('closing the server', () => {
  it('does not wait for a connection on which no request came, and answers a held request before it ends', async () => {
    const s = await startServer();
    const created = await call(s.url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn' },
      file: { name: 'p.json' },
    });
    const id = (created.body as { id: string }).id;
    // A client that connected and sent nothing: Node counts it busy, so a plain close() waits for the client.
    const silent = await openSocket(s.url);
    const silentClosed = new Promise((resolve) => silent.once('close', resolve));
    // A held request: a long poll on a job that will not end.
    const held = call(s.url, 'GET', `/jobs/${id}/poll?timeout_s=600`, 'alice-token', undefined);
    await expect.poll(() => s.ledger.feed.stats().listeners).toBe(1); // the poll waits on the feed
    // Without the sweep this never resolves (the silent client never lets go): the test's timeout fails it.
    await s.stop();
    // The held poll was answered (the shutdown ends it), and the silent connection was dropped.
    expect((await held).status).toBe(408);
    await silentClosed;
  }, 30_000);
});
