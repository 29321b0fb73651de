import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, expect, it } from 'vitest';
import { postgresBlobStore, type PostgresBlobStore } from '../../../src/adapters/blobs/postgresBlobStore.js';
import { err, ok, testLedger } from '../../app/support.js';
import { describePg, dropSchema, freshSchema, pgStores, pgUrl, sql } from '../postgres/pgTestServer.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describePg('the Postgres blob store', () => {
  const stores = pgStores();
  const schemas: string[] = [];
  const blobs: PostgresBlobStore[] = [];
  const open = (chunkBytes?: number) => {
    const schema = freshSchema('blobs');
    schemas.push(schema);
    const store = postgresBlobStore({ url: pgUrl, schema, ...(chunkBytes !== undefined && { chunkBytes }) });
    blobs.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(blobs.map((b) => b.close()));
    await stores.cleanup();
    for (const schema of schemas) await dropSchema(schema);
  });

  it('is the default of a ledger on Postgres: its own tables in the ledger schema, behind a local cache', async () => {
    const schema = freshSchema('ledger_files');
    const t = testLedger(stores.open(schema));
    expect(t.ledger.files.description).toContain(`schema ${schema}, blobs`);
    const content = 'postgres holds me\n'.repeat(1000);
    const job = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content } }));
    expect(job.file.sha256).toBe(sha(content));
    const rows = await sql<{ sha256: string; size: string }>(
      `SELECT sha256, size FROM "${schema}".jobledger_blobs`,
    );
    expect(rows).toEqual([{ sha256: sha(content), size: String(content.length) }]);
    expect(await ok(t.alice.readText(job.id))).toBe(content);
    expect(await ok(t.alice.readText(job.id))).toBe(content);
    expect(await ok(t.ledger.getCacheStats())).toMatchObject({
      entries: 1,
      bytes: content.length,
      hits: 1,
      misses: 1,
    });
    expect(await ok(t.ledger.cleanupCache())).toMatchObject({ entries: 0, bytes: 0 });
    expect((await ok(t.ledger.verify())).ok).toBe(true);
    await ok(t.ledger.close());
  });

  it('streams content in chunks and reads it back; concurrent writers of the same content store it once', async () => {
    const files = open(1000);
    const content = Buffer.alloc(4500, 'z');
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        files.put([content.subarray(0, 700), content.subarray(700)], { maxBytes: 10_000 })(),
      ),
    );
    const created = results.map((r) => (E.isRight(r) ? r.right.created : 'error'));
    expect(created.filter((c) => c === true)).toHaveLength(1);
    expect(created.filter((c) => c === false)).toHaveLength(5);
    expect(await sql(`SELECT count(*)::int AS n FROM ${files.tables.blobs}`)).toEqual([{ n: 1 }]);
    // 4500 bytes in chunks of 1000: five rows, none left under a temporary key.
    expect(
      await sql(`SELECT blob_key, count(*)::int AS n FROM ${files.tables.chunks} GROUP BY blob_key`),
    ).toEqual([{ blob_key: createHash('sha256').update(content).digest('hex'), n: 5 }]);
    const opened = await files.open(createHash('sha256').update(content).digest('hex'))();
    if (E.isLeft(opened) || opened.right === null) throw new Error('not stored');
    const parts: Buffer[] = [];
    for await (const chunk of opened.right) parts.push(chunk as Buffer);
    expect(Buffer.concat(parts).equals(content)).toBe(true);
  });

  it('refuses content over the limit and keeps nothing of it', async () => {
    const files = open();
    const r = await files.put([Buffer.alloc(600), Buffer.alloc(600)], { maxBytes: 1000 })();
    expect(E.isLeft(r) && r.left._tag).toBe('ValidationError');
    expect(await sql(`SELECT count(*)::int AS n FROM ${files.tables.chunks}`)).toEqual([{ n: 0 }]);
  });

  it('tampering with the stored rows is caught by reads and by verify', async () => {
    const files = open();
    const t = testLedger(undefined, { files });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json', content: '{"a":1}' } }),
    );
    await sql(`UPDATE ${files.tables.chunks} SET data = convert_to('{"a":2}', 'UTF8')`);
    expect(await err(t.alice.readJson(job.id))).toMatchObject({ _tag: 'StoreError', kind: 'file-altered' });
    expect((await ok(t.ledger.verify())).problems.map((p) => p.kind)).toEqual(['file-altered']);
    await sql(`DELETE FROM ${files.tables.blobs}`);
    expect(await err(t.alice.readJson(job.id))).toMatchObject({ _tag: 'StoreError', kind: 'file-missing' });
  });

  it('the default of a Postgres store caches in the OS temp directory and removes the cache on close', async () => {
    const schema = freshSchema('cache_dir');
    const files = stores.open(schema).defaultBlobStore();
    const dir = /cached in (.*)\)$/.exec(files.description)?.[1];
    expect(dir?.startsWith(tmpdir())).toBe(true);
    const stored = await files.put([Buffer.from('cached')], { maxBytes: 100 })();
    if (E.isLeft(stored)) throw new Error(stored.left.message);
    await files.open(stored.right.sha256)();
    expect(readdirSync(dir!)).toEqual([stored.right.sha256]);
    await files.close();
    expect(existsSync(dir!)).toBe(false);
  });
});
