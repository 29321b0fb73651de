import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Comment,
  Job,
  JobStatus,
  PageJob,
  ResourceArchiveStatus,
  ResponseGetJobForAgent,
} from '../../../src/domain/dto.js';
import type { Dto } from '../../../src/domain/dto.js';
import { sdkModels, sdkProblems, type ModelName } from '../../support/sdkShapes.js';
import { call, startServer } from './httpTestServer.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

/** Every answer the server sent, with the SDK model it must satisfy and our DTO that must decode it. */
const sent: { what: string; model: ModelName; dto: Dto<unknown, unknown>; body: unknown }[] = [];
const record = (
  what: string,
  model: ModelName,
  dto: Dto<unknown, unknown>,
  answer: { status: number; body: unknown },
) => {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
  sent.push({ what, model, dto, body: answer.body });
  return answer.body as Record<string, unknown>;
};
const asDto = <A, O>(dto: Dto<A, O>) => dto as unknown as Dto<unknown, unknown>;

describe('the SDK wire shapes', () => {
  it('every DTO the server sends decodes with our codecs and has the SDK’s required fields and types', async () => {
    const url = s.url;
    const created = record(
      'POST /jobs',
      'Job',
      asDto(Job),
      await call(url, 'POST', '/jobs', 'alice-token', {
        function: { id: 'fn-sdk' },
        file: { name: 'params.json', content: '{"n":1}', description: 'the parameters' },
      }),
    );
    const id = created.id as string;
    record('GET /jobs/:id', 'Job', asDto(Job), await call(url, 'GET', `/jobs/${id}`, 'alice-token'));
    record(
      'POST /jobs/:id/comments',
      'Comment',
      asDto(Comment),
      await call(url, 'POST', `/jobs/${id}/comments`, 'alice-token', { content: 'looks right ✓' }),
    );
    record(
      'PATCH /jobs/:id/properties',
      'Job',
      asDto(Job),
      await call(url, 'PATCH', `/jobs/${id}/properties`, 'alice-token', { display_name: 'Run 1' }),
    );
    record(
      'POST /agent/job',
      'Job',
      asDto(ResponseGetJobForAgent),
      await call(url, 'POST', '/agent/job', 'agent-token', { function_ids: ['fn-sdk'] }),
    );
    for (const status of ['Validating', 'Running', 'Uploading'])
      record(
        `PUT /jobs/:id/status ${status}`,
        'Job',
        asDto(Job),
        await call(url, 'PUT', `/jobs/${id}/status`, 'agent-token', { status }),
      );
    const res = await fetch(`${url}/jobs/${id}/file?name=result.txt`, {
      method: 'PUT',
      headers: { authorization: 'Bearer agent-token', 'content-type': 'application/octet-stream' },
      body: 'the result',
    });
    record('PUT /jobs/:id/file', 'Job', asDto(Job), { status: res.status, body: await res.json() });
    record(
      'PUT /jobs/:id/status Completed',
      'Job',
      asDto(Job),
      await call(url, 'PUT', `/jobs/${id}/status`, 'agent-token', { status: 'Completed' }),
    );
    record(
      'POST /jobs/:id/archive',
      'Job',
      asDto(Job),
      await call(url, 'POST', `/jobs/${id}/archive`, 'alice-token', { reason: 'done' }),
    );
    record(
      'POST /jobs/:id/restore',
      'Job',
      asDto(Job),
      await call(url, 'POST', `/jobs/${id}/restore`, 'alice-token', {}),
    );
    record(
      'GET /jobs',
      'PageJob',
      asDto(PageJob),
      await call(url, 'GET', '/jobs?archive_status=all', 'alice-token'),
    );
    const statuses = await call(url, 'GET', `/jobs/${id}/status-history`, 'alice-token');
    const archives = await call(url, 'GET', `/jobs/${id}/archive-history`, 'alice-token');
    for (const [i, entry] of (statuses.body as unknown[]).entries())
      record(`GET status-history ${i}`, 'JobStatus', asDto(JobStatus), {
        status: statuses.status,
        body: entry,
      });
    for (const [i, entry] of (archives.body as unknown[]).entries())
      record(`GET archive-history ${i}`, 'ResourceArchiveStatus', asDto(ResourceArchiveStatus), {
        status: archives.status,
        body: entry,
      });
    expect(sent.length).toBeGreaterThan(15);

    for (const { what, model, dto, body } of sent) {
      expect(sdkProblems(model, body), what).toEqual([]);
      const decoded = dto.fromDict(body);
      expect(E.isRight(decoded) ? [] : decoded.left.issues, what).toEqual([]);
    }
  });

  it('update_* change the current revision’s fields; earlier revisions and the content token stay', async () => {
    const last = sent.find((x) => x.what === 'POST /jobs/:id/restore')!.body as {
      id: string;
      file: { revisions: Record<string, unknown>[] };
    };
    const before = last.file.revisions;
    expect(before.map((r) => r.name)).toEqual(['params.json', 'result.txt']);
    const patched = await call(s.url, 'PATCH', `/jobs/${last.id}/properties`, 'alice-token', {
      description: 'the result, checked',
      version_name: 'v2',
    });
    expect(patched.status).toBe(200);
    expect(sdkProblems('Job', patched.body)).toEqual([]);
    const after = (patched.body as typeof last).file.revisions;
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toMatchObject({
      id: before[1]!.id,
      description: 'the result, checked',
      version_name: 'v2',
      content_token: before[1]!.content_token,
    });
    expect(after[1]!.properties_token).not.toEqual(before[1]!.properties_token);
    expect(after[1]!.updated).toEqual(expect.any(String));
    // The flat fields of the file follow the current revision.
    expect(patched.body.file).toMatchObject({ name: 'result.txt', description: 'the result, checked' });
    expect(after[1]!.content_token).toMatchObject({ sha: sha256('the result'), salt: '' });
  });

  it('a comment is the SDK’s Comment: its text is its file’s one revision, resource_id the job', () => {
    const job = sent[0]!.body as { id: string };
    const comment = sent.find((x) => x.model === 'Comment')!.body as {
      file: { revisions: unknown[] };
    };
    expect(comment).toMatchObject({
      resource_id: job.id,
      resource_type: 'job',
      content: 'looks right ✓',
      comments: [],
    });
    expect(comment.file.revisions).toHaveLength(1);
    expect(comment.file.revisions[0]).toMatchObject({
      name: 'comment.txt',
      mime: 'text/plain',
      size: Buffer.byteLength('looks right ✓'),
      content_token: { sha: sha256('looks right ✓') },
    });
  });

  it('the checker rejects what the SDK would: a missing token, a mistyped size, a null resource_type', () => {
    const job = structuredClone(sent[0]!.body) as {
      file: { revisions: Record<string, unknown>[] };
      comments: unknown[];
    };
    delete job.file.revisions[0]!.content_token;
    job.file.revisions[0]!.size = '7';
    expect(sdkProblems('Job', job)).toEqual([
      'Job.file.revisions.0.content_token: required, missing',
      'Job.file.revisions.0.size: expected int, got string "7"',
    ]);
    const comment = structuredClone(sent.find((x) => x.model === 'Comment')!.body) as Record<string, unknown>;
    comment.resource_type = null;
    delete comment.file;
    expect(sdkProblems('Comment', comment)).toEqual([
      'Comment.file: required, missing',
      'Comment.resource_type: required, got null',
    ]);
  });

  it('the OpenAPI document names the SDK shapes and requires the SDK’s required keys', async () => {
    const spec = (await call(s.url, 'GET', '/openapi.json', undefined)).body as {
      components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
    };
    const schemas = spec.components.schemas;
    expect(schemas.Job!.properties.file).toEqual({ $ref: '#/components/schemas/File' });
    expect(schemas.Comment!.properties.comments).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Comment' },
    });
    for (const name of ['File', 'FileRevision', 'Token', 'Comment'] as const) {
      const required = Object.entries(sdkModels[name])
        .filter(([, field]) => 'required' in field && field.required && !('nullable' in field))
        .map(([key]) => key);
      expect(schemas[name]!.required, name).toEqual(expect.arrayContaining(required));
    }
  });
});
