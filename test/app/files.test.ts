import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'vitest';
import { filesystemBlobStore } from '../../src/adapters/blobs/filesystemBlobStore.js';
import { memoryBlobStore } from '../../src/adapters/blobs/memoryBlobStore.js';
import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import type { BlobStore } from '../../src/app/BlobStore.js';
import { err, expect, ok, testLedger } from './support.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-files-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A job claimed by agent-7 and moved to Uploading, created with a parameters file. */
const uploadingJob = async (t: ReturnType<typeof testLedger>) => {
  const job = await ok(
    t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json', content: '{"n":1}' } }),
  );
  await ok(t.agent.getJobForAgent());
  await ok(t.agent.updateStatus(job.id, { status: 'Running' }));
  await ok(t.agent.updateStatus(job.id, { status: 'Uploading' }));
  return job;
};

const stores: [string, () => BlobStore][] = [
  ['memory', () => memoryBlobStore()],
  ['filesystem', () => filesystemBlobStore({ dir: join(tempDir(), 'files') })],
];

describe.each(stores)('job files on the %s blob store', (_name, files) => {
  it('round-trips text, JSON and binary content, recording name, size, mime and sha256 only', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const text = 'héllo, wörld\n';
    const a = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'notes.txt', content: text } }),
    );
    expect(a.file).toMatchObject({
      name: 'notes.txt',
      size: Buffer.byteLength(text),
      mime: 'text/plain',
      extension: 'txt',
      sha256: sha(text),
    });
    expect(await ok(t.alice.readText(a.id))).toBe(text);

    const json = { model: 'm-1', steps: [1, 2, 3], nested: { ok: true } };
    const b = await ok(
      t.alice.createJob({
        function: { id: 'fn-1' },
        file: { name: 'params.json', content: JSON.stringify(json) },
      }),
    );
    expect(await ok(t.alice.readJson(b.id))).toEqual(json);
    expect(b.file.mime).toBe('application/json');

    const binary = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) % 256);
    const c = await ok(
      t.alice.createJob({
        function: { id: 'fn-1' },
        file: {
          name: 'weights.bin',
          content: Readable.from([binary.subarray(0, 1000), binary.subarray(1000)]),
        },
      }),
    );
    expect(Buffer.from(await ok(t.alice.readBytes(c.id))).equals(Buffer.from(binary))).toBe(true);
    expect(c.file).toMatchObject({ size: 70_000, sha256: sha(binary), mime: 'application/octet-stream' });

    // The events hold the description of the file, never its bytes.
    const history = await ok(t.alice.history(c.id));
    expect(JSON.stringify(history)).not.toContain(Buffer.from(binary.subarray(0, 64)).toString('base64'));
    expect(history[0]!.data).toMatchObject({ fileStored: true, file: { size: 70_000 } });
  });

  it('a job created without content still works; reading its file is NotFound with the reason', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const job = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } }));
    expect(job.file.sha256).toBeNull();
    const e = await err(t.alice.readBytes(job.id));
    expect(e._tag).toBe('NotFound');
    expect(e.message).toContain('recorded by name only');
  });

  it('readJson of content that is not JSON is a ValidationError', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json', content: '{nope' } }),
    );
    const e = await err(t.alice.readJson(job.id));
    expect(e._tag).toBe('ValidationError');
    expect(e.message).toContain('not valid JSON');
  });

  it('the holding agent uploads a result in Uploading: a new revision; old revisions stay readable', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const job = await uploadingJob(t);
    const after = await ok(t.agent.uploadResult(job.id, { name: 'result.csv', content: 'a,b\n1,2\n' }));
    expect(after.file).toMatchObject({
      name: 'result.csv',
      mime: 'text/csv',
      size: 8,
      sha256: sha('a,b\n1,2\n'),
    });
    expect(await ok(t.alice.readText(job.id))).toBe('a,b\n1,2\n');
    expect(await ok(t.alice.readText(job.id, { revision: 1 }))).toBe('{"n":1}');
    // Property updates apply to the current revision.
    await ok(t.alice.updateDisplayName(job.id, 'The result'));
    const revisions = await ok(t.alice.fileRevisions(job.id));
    expect(revisions.map((r) => [r.revision, r.file.name, r.file.displayName])).toEqual([
      [1, 'params.json', null],
      [2, 'result.csv', 'The result'],
    ]);
    const events = await ok(t.alice.history(job.id));
    expect(events.map((e) => e.type)).toContain('JobFileRevisionAdded');
    expect((await err(t.alice.readBytes(job.id, { revision: 3 })))._tag).toBe('NotFound');
    await ok(t.agent.updateStatus(job.id, { status: 'Completed' }));
  });

  it('uploads are refused outside Uploading, from a stale agent, and from users; nothing is recorded', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const job = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } }));
    await ok(t.agent.getJobForAgent());
    await ok(t.agent.updateStatus(job.id, { status: 'Running' }));
    const running = await err(t.agent.uploadResult(job.id, { name: 'r.txt', content: 'x' }));
    expect(running._tag).toBe('Conflict');
    expect(running.message).toContain('Uploading');

    await ok(t.agent.updateStatus(job.id, { status: 'Uploading' }));
    expect((await err(t.alice.uploadResult(job.id, { name: 'r.txt', content: 'x' })))._tag).toBe('Forbidden');

    // The lease expires, an editor requeues, another agent claims: agent-7 is stale.
    t.advance(120_000);
    await ok(t.ledger.expireLeases());
    await ok(t.alice.updateStatus(job.id, { status: 'Pending' }));
    await ok(t.agent2.getJobForAgent());
    await ok(t.agent2.updateStatus(job.id, { status: 'Running' }));
    await ok(t.agent2.updateStatus(job.id, { status: 'Uploading' }));
    const stale = await err(t.agent.uploadResult(job.id, { name: 'r.txt', content: 'stale' }));
    expect(stale._tag).toBe('Conflict');
    expect(stale.message).toContain('stale');
    expect((await ok(t.alice.fileRevisions(job.id))).length).toBe(1);
    await ok(t.agent2.uploadResult(job.id, { name: 'r.txt', content: 'fresh' }));
    expect(await ok(t.alice.readText(job.id))).toBe('fresh');
  });

  it('reading needs viewer access: a stranger gets NotFound', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content: 'secret' } }),
    );
    expect((await err(t.mallory.readText(job.id)))._tag).toBe('NotFound');
    expect((await err(t.bob.readText(job.id)))._tag).toBe('NotFound');
    await ok(t.alice.createAccess(job.id, { subjectType: 'user', subjectId: 'u-bob', relation: 'viewer' }));
    expect(await ok(t.bob.readText(job.id))).toBe('secret');
  });

  it('content over the size limit is a ValidationError and creates no job', async () => {
    const t = testLedger(memoryEventStore(), { files: files(), maxFileBytes: 10 });
    const e = await err(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'big.bin', content: new Uint8Array(11) } }),
    );
    expect(e._tag).toBe('ValidationError');
    expect(e.message).toContain('limit of 10 bytes');
    expect((await ok(t.alice.listJobs())).total).toBe(0);
    await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'ok.bin', content: new Uint8Array(10) } }),
    );
  });

  it('content that is not bytes, text or a stream is a ValidationError naming the field', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const e = await err(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p', content: 42 as unknown as string } }),
    );
    expect(e._tag).toBe('ValidationError');
    expect(e.message).toContain('input.file.content');
  });

  it('copyTo streams the file to a path and replaces it only when the bytes check out', async () => {
    const t = testLedger(memoryEventStore(), { files: files() });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content: 'copy me' } }),
    );
    const target = join(tempDir(), 'out.txt');
    const copied = await ok(t.alice.copyTo(job.id, target));
    expect(copied).toEqual({ path: target, bytes: 7, revision: 1 });
    expect(readFileSync(target, 'utf8')).toBe('copy me');
  });
});

describe('reading and uploading, more', () => {
  it('openFile gives a stream for download routes; a damaged blob makes the stream fail at its end', async () => {
    const files = memoryBlobStore();
    const t = testLedger(memoryEventStore(), { files });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content: 'stream me' } }),
    );
    const opened = await ok(t.alice.openFile(job.id));
    expect(opened).toMatchObject({ revision: 1, file: { name: 'p.txt', size: 9 } });
    let text = '';
    for await (const chunk of opened.stream) text += (chunk as Buffer).toString();
    expect(text).toBe('stream me');
    files.blobs.set(job.file.sha256!, Buffer.from('stream m3'));
    const damaged = await ok(t.alice.openFile(job.id));
    await expect(async () => {
      for await (const _ of damaged.stream) void _;
    }).rejects.toMatchObject({ error: { _tag: 'StoreError', kind: 'file-altered' } });
  });

  it('uploadResult takes a stream and a mime, and its size limit refuses without recording a revision', async () => {
    const t = testLedger(memoryEventStore(), { files: memoryBlobStore(), maxFileBytes: 100 });
    const job = await uploadingJob(t);
    const big = await err(
      t.agent.uploadResult(job.id, { name: 'r.bin', content: Readable.from([Buffer.alloc(101)]) }),
    );
    expect(big).toMatchObject({ _tag: 'ValidationError' });
    expect(big.message).toContain('input.content');
    expect((await ok(t.alice.fileRevisions(job.id))).length).toBe(1);
    const after = await ok(
      t.agent.uploadResult(job.id, {
        name: 'r.dat',
        content: Readable.from([Buffer.from('ab'), Buffer.from('cd')]),
        mime: 'application/x-thing',
      }),
    );
    expect(after.file).toMatchObject({
      name: 'r.dat',
      size: 4,
      mime: 'application/x-thing',
      sha256: sha('abcd'),
    });
  });

  it('a job created with content and a size or sha256 that do not match it is a ValidationError', async () => {
    const t = testLedger(memoryEventStore(), { files: memoryBlobStore() });
    const e = await err(
      t.alice.createJob({
        function: { id: 'fn-1' },
        file: { name: 'p.txt', content: 'abc', size: 4, sha256: 'f'.repeat(64) },
      }),
    );
    expect(e._tag).toBe('ValidationError');
    expect(e.message).toContain('input.file.size');
    expect(e.message).toContain('input.file.sha256');
  });

  it('getJob and listJobs on SQLite show the current revision after an upload; it survives a reopen', async () => {
    const { sqliteEventStore } = await import('../../src/adapters/sqlite/sqliteEventStore.js');
    const file = join(tempDir(), 'ledger.db');
    const t = testLedger(sqliteEventStore({ file }));
    const job = await uploadingJob(t);
    await ok(t.agent.uploadResult(job.id, { name: 'result.txt', content: 'done' }));
    expect((await ok(t.alice.getJob(job.id))).file).toMatchObject({ name: 'result.txt', size: 4 });
    expect((await ok(t.alice.listJobs())).items[0]!.file.name).toBe('result.txt');
    await ok(t.ledger.close());
    const again = testLedger(sqliteEventStore({ file }));
    expect(await ok(again.alice.readText(job.id))).toBe('done');
    expect(await ok(again.alice.readJson(job.id, { revision: 1 }))).toEqual({ n: 1 });
    expect((await ok(again.ledger.verify())).ok).toBe(true);
    await ok(again.ledger.close());
  });
});

describe('tampering', () => {
  it('a changed blob on disk is caught by every read and by verify; copyTo leaves the target alone', async () => {
    const files = filesystemBlobStore({ dir: join(tempDir(), 'files') });
    const t = testLedger(memoryEventStore(), { files });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content: 'original' } }),
    );
    expect((await ok(t.ledger.verify())).ok).toBe(true);
    writeFileSync(files.pathOf(sha('original')), 'tampered');
    for (const read of [t.alice.readBytes(job.id), t.alice.readText(job.id), t.alice.readJson(job.id)]) {
      const e = await err(read);
      expect(e).toMatchObject({ _tag: 'StoreError', kind: 'file-altered' });
      expect(e.message).toContain('changed behind the ledger');
    }
    const dir = tempDir();
    writeFileSync(join(dir, 'keep.txt'), 'keep');
    expect(await err(t.alice.copyTo(job.id, join(dir, 'keep.txt')))).toMatchObject({ kind: 'file-altered' });
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('keep');
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    const report = await ok(t.ledger.verify());
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ streamId: `job-${job.id}`, version: 0, kind: 'file-altered' }),
    ]);
  });

  it('a missing blob is a file-missing StoreError and a verify problem', async () => {
    const files = memoryBlobStore();
    const t = testLedger(memoryEventStore(), { files });
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content: 'gone' } }),
    );
    files.blobs.clear();
    expect(await err(t.alice.readText(job.id))).toMatchObject({ _tag: 'StoreError', kind: 'file-missing' });
    const report = await ok(t.ledger.verify());
    expect(report.problems.map((p) => p.kind)).toEqual(['file-missing']);
  });
});

describe('the filesystem blob store', () => {
  it('stores the same content once, also for concurrent writers, and leaves no temporary files', async () => {
    const dir = join(tempDir(), 'files');
    const files = filesystemBlobStore({ dir });
    const t = testLedger(memoryEventStore(), { files });
    const content = 'x'.repeat(300_000);
    const jobs = await Promise.all(
      Array.from({ length: 8 }, () =>
        ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'same.txt', content } })),
      ),
    );
    expect(new Set(jobs.map((j) => j.file.sha256))).toEqual(new Set([sha(content)]));
    const shards = readdirSync(join(dir, 'sha256'));
    expect(shards).toEqual([sha(content).slice(0, 2)]);
    expect(readdirSync(join(dir, 'sha256', shards[0]!))).toEqual([sha(content).slice(2)]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    const puts = await Promise.all(
      Array.from({ length: 6 }, () => files.put([Buffer.from('raced')], { maxBytes: 100 })()),
    );
    expect(puts.filter((p) => p._tag === 'Right' && p.right.created)).toHaveLength(1);
  });

  it('is the default beside a SQLite ledger: ./jobledger-files next to the database file', async () => {
    const { sqliteEventStore } = await import('../../src/adapters/sqlite/sqliteEventStore.js');
    const dir = tempDir();
    const t = testLedger(sqliteEventStore({ file: join(dir, 'ledger.db') }));
    const job = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.txt', content: 'on disk' } }),
    );
    expect(existsSync(join(dir, 'jobledger-files', 'sha256', sha('on disk').slice(0, 2)))).toBe(true);
    expect(await ok(t.alice.readText(job.id))).toBe('on disk');
    expect(await ok(t.ledger.getCacheStats())).toEqual({
      entries: 0,
      bytes: 0,
      hits: 0,
      misses: 0,
      maxBytes: 0,
    });
    await ok(t.ledger.close());
  });
});
