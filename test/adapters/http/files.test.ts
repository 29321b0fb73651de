import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from '../../../src/domain/dto.js';
import { call, countEvents, startServer } from './httpTestServer.js';

const dir = mkdtempSync(join(tmpdir(), 'jobledger-http-files-'));
let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer(`sqlite:${join(dir, 'ledger.db')}`);
});
afterAll(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A job of alice's claimed by the agent and taken to Uploading. */
const uploadingJob = async (): Promise<string> => {
  const created = await call(s.url, 'POST', '/jobs', 'alice-token', {
    function: { id: 'fn-files' },
    file: { name: 'params.json' },
  });
  expect(created.status).toBe(201);
  const claimed = await call(s.url, 'POST', '/agent/job', 'agent-token', { function_ids: ['fn-files'] });
  expect(claimed.body.id).toBe(created.body.id);
  for (const status of ['Validating', 'Running', 'Uploading'])
    expect(
      (await call(s.url, 'PUT', `/jobs/${created.body.id}/status`, 'agent-token', { status })).status,
    ).toBe(200);
  return created.body.id as string;
};

/** PUT the bytes as a streamed request body, in 64 KiB chunks. */
const upload = async (id: string, bytes: Uint8Array, token = 'agent-token', query = 'name=result.bin') => {
  const chunks = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.subarray(i, i + 65_536));
      controller.close();
    },
  });
  const res = await fetch(`${s.url}/jobs/${id}/file?${query}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: chunks,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('file routes', () => {
  it('takes an agent’s result as a streamed body and sends it back, checked, with its revisions', async () => {
    const id = await uploadingJob();
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const put = await upload(id, bytes);
    expect(put.status).toBe(200);
    const job = Job.fromDict(put.body);
    if (E.isLeft(job)) throw new Error(job.left.message);
    expect(job.right.file).toMatchObject({ name: 'result.bin', size: bytes.length, sha256: sha256(bytes) });

    const res = await fetch(`${s.url}/jobs/${id}/file`, { headers: { authorization: 'Bearer alice-token' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-file-sha256')).toBe(sha256(bytes));
    expect(res.headers.get('x-file-revision')).toBe('2');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(bytes));

    const revisions = await call(s.url, 'GET', `/jobs/${id}/file/revisions`, 'alice-token');
    expect(revisions.status).toBe(200);
    expect(revisions.body.map((r: { revision: number; stored: boolean }) => [r.revision, r.stored])).toEqual([
      [1, false],
      [2, true],
    ]);
    // Revision 1 was recorded by name only: there are no bytes to send.
    const first = await call(s.url, 'GET', `/jobs/${id}/file?revision=1`, 'alice-token');
    expect(first.status).toBe(404);
    expect(first.body.message).toMatch(/revision 1/);
    expect((await call(s.url, 'GET', `/jobs/${id}/file?revision=x`, 'alice-token')).status).toBe(422);
    expect((await call(s.url, 'GET', `/jobs/${id}/file`, 'bob-t2-token')).status).toBe(404);
  });

  it('stores the parameters file given as text in createJob, and sends it back', async () => {
    const created = await call(s.url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn-params' },
      file: { name: 'params.json', content: '{"frames":24}' },
    });
    expect(created.status).toBe(201);
    expect(created.body.file).toMatchObject({ size: 13, sha256: sha256(Buffer.from('{"frames":24}')) });
    const res = await fetch(`${s.url}/jobs/${created.body.id}/file`, {
      headers: { authorization: 'Bearer alice-token' },
    });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"frames":24}');
  });

  it('refuses uploads outside Uploading, from another principal, or without a name, appending nothing', async () => {
    const id = await uploadingJob();
    const before = await countEvents(s.ledger);
    expect((await upload(id, new Uint8Array([1, 2, 3]), 'alice-token')).status).toBe(403);
    expect((await upload(id, new Uint8Array([1, 2, 3]), 'agent-token', 'mime=x')).status).toBe(422);
    expect((await upload(id, new Uint8Array([1]), 'bob-t2-token')).status).toBe(404);
    expect(await countEvents(s.ledger)).toBe(before);
    expect(
      (await call(s.url, 'PUT', `/jobs/${id}/status`, 'agent-token', { status: 'Completed' })).status,
    ).toBe(200);
    const after = await countEvents(s.ledger);
    const late = await upload(id, new Uint8Array([1, 2, 3]));
    expect(late.status).toBe(409);
    expect(await countEvents(s.ledger)).toBe(after);
  });

  it('refuses or cuts short a download whose stored bytes were changed behind the ledger', async () => {
    const tamper = async (length: number) => {
      const id = await uploadingJob();
      const bytes = new Uint8Array(randomBytes(length));
      expect((await upload(id, bytes)).status).toBe(200);
      const hash = sha256(bytes);
      writeFileSync(
        join(dir, 'jobledger-files', 'sha256', hash.slice(0, 2), hash.slice(2)),
        randomBytes(length),
      );
      return fetch(`${s.url}/jobs/${id}/file`, { headers: { authorization: 'Bearer alice-token' } });
    };
    // Small: the check fails before the answer starts.
    const small = await tamper(1000);
    expect(small.status).toBe(500);
    expect(await small.json()).toMatchObject({ error: 'FileIntegrity', kind: 'file-altered' });
    // Large: the answer has started; it ends before its last bytes, so the client sees a failed body.
    const large = await tamper(4 * 1024 * 1024);
    expect(large.status).toBe(200);
    await expect(large.arrayBuffer()).rejects.toThrow();
  });
});

describe('GET /jobs/{id}/verify', () => {
  it('recomputes the hashes: a row changed in the database is reported at its version', async () => {
    const created = await call(s.url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn-verify' },
      file: { name: 'a.txt' },
    });
    const id = created.body.id as string;
    expect(
      (await call(s.url, 'POST', `/jobs/${id}/comments`, 'alice-token', { content: 'hello' })).status,
    ).toBe(201);
    const clean = await call(s.url, 'GET', `/jobs/${id}/verify`, 'alice-token');
    expect(clean.body).toEqual({ ok: true, events: 3, problems: [] });

    const db = new Database(join(dir, 'ledger.db'));
    try {
      const row = db
        .prepare(`SELECT position, data FROM events WHERE stream_id = ? AND type = 'JobCommentAdded'`)
        .get(`job-${id}`) as { position: number; data: string };
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
        row.data.replace('hello', 'HELLO'),
        row.position,
      );
    } finally {
      db.close();
    }
    const tampered = await call(s.url, 'GET', `/jobs/${id}/verify`, 'alice-token');
    expect(tampered.body.ok).toBe(false);
    expect(tampered.body.problems).toEqual([expect.objectContaining({ version: 2, kind: 'hash-mismatch' })]);
    expect((await call(s.url, 'GET', `/jobs/${id}/verify`, 'bob-t2-token')).status).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  it('describes every API route with its request and its answers', async () => {
    const spec = (await call(s.url, 'GET', '/openapi.json', undefined)).body;
    expect(spec.openapi).toBe('3.1.0');
    const operations = Object.entries(
      spec.paths as Record<string, Record<string, Record<string, unknown>>>,
    ).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBe(33);
    for (const { route, op } of operations) {
      expect(op.summary, route).toEqual(expect.any(String));
      const responses = op.responses as Record<string, unknown>;
      expect(Object.keys(responses), route).toEqual(expect.arrayContaining(['401', '422', '500']));
      expect(
        Object.keys(responses).some((code) => code.startsWith('2')),
        route,
      ).toBe(true);
    }
    const create = spec.paths['/jobs'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['function', 'file']);
    expect(Object.keys(body.properties)).toContain('assigned_agent_pool_id');
    // Named shapes are components, referred to by $ref from routes and from each other.
    const resolve = (schema: { $ref?: string }) =>
      schema.$ref === undefined
        ? schema
        : spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    const job = resolve(create.responses['201'].content['application/json'].schema);
    expect(job.title).toBe('Job');
    const status = resolve(job.properties.status_history.items);
    expect(status.properties.name.enum).toContain('Completed');
    const page = resolve(spec.paths['/jobs'].get.responses['200'].content['application/json'].schema);
    expect(page.properties.items.items).toEqual({ $ref: '#/components/schemas/Job' });
    expect(create.responses['409'].description).toMatch(/Conflict/);
    expect(
      resolve(create.responses['409'].content['application/json'].schema).properties.allowed,
    ).toBeDefined();
    for (const name of ['Job', 'PageJob', 'JobStatus', 'ResponseGetJobForAgent', 'StoredEvent', 'Error'])
      expect(spec.components.schemas[name], name).toBeDefined();
    // Every $ref points at a component that exists.
    const refs = JSON.stringify(spec).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of new Set(refs))
      expect(spec.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    expect(spec.paths['/jobs'].get.parameters.map((p: { name: string }) => p.name)).toContain('status_name');
  });
});
