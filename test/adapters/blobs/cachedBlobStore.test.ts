import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedBlobStore } from '../../../src/adapters/blobs/cachedBlobStore.js';
import { memoryBlobStore } from '../../../src/adapters/blobs/memoryBlobStore.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import type { BlobStore } from '../../../src/app/BlobStore.js';
import { err, ok, testLedger } from '../../app/support.js';

const dirs: string[] = [];
const cacheDir = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'jobledger-cache-test-')), 'cache');
  dirs.push(join(dir, '..'));
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const read = async (files: BlobStore, sha256: string): Promise<string | null> => {
  const opened = await files.open(sha256)();
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  if (opened.right === null) return null;
  let text = '';
  for await (const chunk of opened.right) text += (chunk as Buffer).toString('utf8');
  return text;
};

const put = async (files: BlobStore, text: string): Promise<string> => {
  const r = await files.put([Buffer.from(text)], { maxBytes: 1000 })();
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.sha256;
};

describe('the local cache', () => {
  it('counts a miss, then hits; cleanupCache frees the bytes on disk', async () => {
    const dir = cacheDir();
    const inner = memoryBlobStore();
    const t = testLedger(memoryEventStore(), { files: cachedBlobStore(inner, { dir, maxBytes: 1000 }) });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'a.txt', content: 'abcdef' } }),
    );
    expect(await ok(t.ledger.getCacheStats())).toEqual({
      entries: 0,
      bytes: 0,
      hits: 0,
      misses: 0,
      maxBytes: 1000,
    });
    expect(await ok(t.alice.readText(job.id))).toBe('abcdef');
    expect(await ok(t.ledger.getCacheStats())).toMatchObject({ entries: 1, bytes: 6, hits: 0, misses: 1 });
    expect(await ok(t.alice.readText(job.id))).toBe('abcdef');
    expect(await ok(t.alice.readText(job.id))).toBe('abcdef');
    expect(await ok(t.ledger.getCacheStats())).toMatchObject({ entries: 1, bytes: 6, hits: 2, misses: 1 });
    expect(readdirSync(dir)).toHaveLength(1);
    expect(await ok(t.ledger.cleanupCache())).toMatchObject({ entries: 0, bytes: 0, hits: 2, misses: 1 });
    expect(readdirSync(dir)).toEqual([]);
    // Served from the store again after the cleanup.
    expect(await ok(t.alice.readText(job.id))).toBe('abcdef');
    expect(await ok(t.ledger.getCacheStats())).toMatchObject({ entries: 1, misses: 2 });
  });

  it('evicts the least recently used entries beyond its size bound; larger content streams through', async () => {
    const dir = cacheDir();
    const inner = memoryBlobStore();
    const files = cachedBlobStore(inner, { dir, maxBytes: 10 });
    const [a, b, c, big] = [
      await put(files, 'aaaa'),
      await put(files, 'bbbb'),
      await put(files, 'cccc'),
      await put(files, 'x'.repeat(11)),
    ];
    expect(await read(files, a)).toBe('aaaa');
    expect(await read(files, b)).toBe('bbbb');
    expect(await read(files, a)).toBe('aaaa'); // a is now more recent than b
    expect(await read(files, c)).toBe('cccc'); // 12 bytes > 10: b goes
    expect(files.cacheStats!()).toMatchObject({ entries: 2, bytes: 8, hits: 1, misses: 3 });
    expect(readdirSync(dir).sort()).toEqual([a, c].sort());
    expect(await read(files, b)).toBe('bbbb'); // a miss again; a goes now
    expect(files.cacheStats!()).toMatchObject({ entries: 2, bytes: 8, misses: 4 });
    expect(await read(files, big)).toBe('x'.repeat(11));
    expect(files.cacheStats!()).toMatchObject({ entries: 2, bytes: 8, misses: 5 });
    expect(await read(files, '0'.repeat(64))).toBeNull();
  });

  it('concurrent misses of one content fill one entry; files of others in its directory are left alone', async () => {
    const dir = cacheDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'not-mine.txt'), 'keep');
    const files = cachedBlobStore(memoryBlobStore(), { dir, maxBytes: 1000 });
    const sha256 = await put(files, 'shared content');
    const texts = await Promise.all(Array.from({ length: 5 }, () => read(files, sha256)));
    expect(new Set(texts)).toEqual(new Set(['shared content']));
    expect(files.cacheStats!()).toMatchObject({ entries: 1, bytes: 14, misses: 5, hits: 0 });
    expect(readdirSync(dir).sort()).toEqual([sha256, 'not-mine.txt'].sort());
    await files.close();
    expect(readdirSync(dir)).toEqual(['not-mine.txt']);
  });

  it('verify checks the store itself, not the cached copy; a damaged cached copy fails its read', async () => {
    const dir = cacheDir();
    const inner = memoryBlobStore();
    const t = testLedger(memoryEventStore(), { files: cachedBlobStore(inner, { dir }) });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'a.txt', content: 'good' } }),
    );
    expect(await ok(t.alice.readText(job.id))).toBe('good');
    const sha256 = job.file.sha256!;
    inner.blobs.set(sha256, Buffer.from('evil'));
    expect((await ok(t.ledger.verify())).problems.map((p) => p.kind)).toEqual(['file-altered']);
    inner.blobs.set(sha256, Buffer.from('good'));
    writeFileSync(join(dir, sha256), 'evil');
    expect(await err(t.alice.readText(job.id))).toMatchObject({ _tag: 'StoreError', kind: 'file-altered' });
    await ok(t.ledger.cleanupCache());
    expect(await ok(t.alice.readText(job.id))).toBe('good');
  });
});
