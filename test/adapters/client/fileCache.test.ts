import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobLedgerClient } from '../../../src/client.js';
import { err, ok } from '../../app/support.js';
import { startServer } from '../http/httpTestServer.js';

const dir = mkdtempSync(join(tmpdir(), 'jobledger-client-files-'));
let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer(`sqlite:${join(dir, 'ledger.db')}`);
});
afterAll(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const jobWith = async (content: string, cacheDir: string, extra: object = {}) => {
  const client = createJobLedgerClient({ url: s.url, token: 'alice-token', cacheDir, ...extra });
  const job = await ok(client.createJob({ function: { id: 'fn-cache' }, file: { name: 'p.txt', content } }));
  return { client, id: job.id };
};

describe('the remote client’s file cache', () => {
  it('counts misses and hits, keeps files by content, re-fetches a tampered one and cleans up', async () => {
    const cacheDir = join(dir, 'cache-a');
    const { client, id } = await jobWith('first content', cacheDir);
    expect(await ok(client.readText(id))).toBe('first content');
    expect(await ok(client.readText(id))).toBe('first content');
    const stats = await ok(client.getCacheStats());
    expect(stats).toMatchObject({ hits: 1, misses: 1, tampered: 0, entries: 1, bytes: 13, problem: null });
    expect(readdirSync(stats.dir)).toEqual([sha256('first content')]);

    writeFileSync(join(stats.dir, sha256('first content')), 'FIRST CONTENT');
    expect(await ok(client.readText(id))).toBe('first content');
    expect(await ok(client.getCacheStats())).toMatchObject({ hits: 1, misses: 2, tampered: 1, entries: 1 });

    expect(await ok(client.cleanupCache())).toMatchObject({
      removed: 1,
      removedBytes: 13,
      entries: 0,
      bytes: 0,
    });
    expect(await ok(client.getCacheStats())).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('stays whole when several clients fill it at once', async () => {
    const cacheDir = join(dir, 'cache-shared');
    const content = 'shared '.repeat(50_000);
    const { id } = await jobWith(content, cacheDir);
    const clients = Array.from({ length: 4 }, () =>
      createJobLedgerClient({ url: s.url, token: 'alice-token', cacheDir }),
    );
    const texts = await Promise.all(clients.flatMap((c) => [ok(c.readText(id)), ok(c.readText(id))]));
    expect(texts.every((t) => t === content)).toBe(true);
    // One entry, named by its content, and no temp file left behind.
    expect(readdirSync(join(cacheDir, 'files'))).toEqual([sha256(content)]);
  });

  it('stays within its bound, dropping the least recently used file', async () => {
    const cacheDir = join(dir, 'cache-b');
    const a = await jobWith('a'.repeat(600), cacheDir, { cacheMaxBytes: 1000 });
    const b = await jobWith('b'.repeat(600), cacheDir, { cacheMaxBytes: 1000 });
    await ok(a.client.readBytes(a.id));
    await ok(a.client.readBytes(b.id));
    const stats = await ok(a.client.getCacheStats());
    expect([stats.entries, stats.bytes]).toEqual([1, 600]);
    expect(readdirSync(stats.dir)).toEqual([sha256('b'.repeat(600))]);
  });

  it('reads from the network when the cache cannot be written, and reports that once', async () => {
    const blocked = join(dir, 'not-a-directory');
    writeFileSync(blocked, 'a file where the cache should be');
    const problems: string[] = [];
    const { client, id } = await jobWith('through anyway', blocked, {
      onCacheProblem: (m: string) => problems.push(m),
    });
    expect(await ok(client.readText(id))).toBe('through anyway');
    expect(await ok(client.readText(id))).toBe('through anyway');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('cannot be used');
    expect((await ok(client.getCacheStats())).problem).toBe(problems[0]);
  });

  it('refuses downloaded bytes that do not hash to the recorded sha256, handing nothing out', async () => {
    const cacheDir = join(dir, 'cache-c');
    const { id } = await jobWith('{"ok":true}', cacheDir);
    // Something between the server and the client alters the body; the headers still name the true sha256.
    const altering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes('/file')) return response;
      await response.body?.cancel();
      return new Response('{"ok":false}', { status: 200, headers: response.headers });
    };
    const client = createJobLedgerClient({ url: s.url, token: 'alice-token', cacheDir, fetch: altering });
    const altered = await err(client.readJson(id));
    expect(altered).toMatchObject({ _tag: 'StoreError', kind: 'file-altered' });
    expect(altered.message).toContain('does not check out');
    expect(await ok(client.getCacheStats())).toMatchObject({ entries: 0 });
    expect(readdirSync(join(cacheDir, 'files'))).toEqual([]);
  });
});
