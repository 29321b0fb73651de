import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessRelationship,
  Comment,
  Job,
  JobStatus,
  PageJob,
  ResourceArchiveStatus,
  ResponseGetJobForAgent,
} from '../../../src/domain/dto.js';
import { call, countEvents, startServer } from './httpTestServer.js';

let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.stop());

const decoded = <A>(
  dto: { fromDict: (x: unknown) => E.Either<{ message: string }, A> },
  body: unknown,
): A => {
  const result = dto.fromDict(body);
  if (E.isLeft(result)) throw new Error(`${result.left.message}: ${JSON.stringify(body)}`);
  return result.right;
};

const newJob = {
  function: { id: 'fn-render', name: 'render' },
  file: { name: 'scene.json' },
  assigned_agent_pool_id: 'gpu',
};

describe('the HTTP service over a real listening server', () => {
  it('answers 401 on every API route without a known token, appending nothing', async () => {
    const before = await countEvents(s.ledger);
    for (const [method, path] of [
      ['GET', '/jobs'],
      ['POST', '/jobs'],
      ['GET', '/jobs/x'],
      ['PUT', '/jobs/x/status'],
      ['POST', '/agent/job'],
      ['GET', '/jobs/x/poll?timeout_s=1'],
      ['GET', '/jobs/x/events'],
      ['GET', '/overview/events'],
    ] as const) {
      expect((await call(s.url, method, path, undefined, method === 'GET' ? undefined : newJob)).status).toBe(
        401,
      );
      expect((await call(s.url, method, path, 'wrong-token' as never)).status).toBe(401);
    }
    expect(await countEvents(s.ledger)).toBe(before);
  });

  it('creates, gets and lists jobs in the wire shapes, decoded with the library codecs', async () => {
    const created = await call(s.url, 'POST', '/jobs', 'alice-token', newJob);
    expect(created.status).toBe(201);
    const job = decoded(Job, created.body);
    expect(job.assignedAgentPoolId).toBe('gpu');
    expect(created.body.status_history.at(-1).name).toBe('Pending');
    const got = await call(s.url, 'GET', `/jobs/${job.id}`, 'alice-token');
    expect(decoded(Job, got.body).id).toBe(job.id);
    const page = await call(
      s.url,
      'GET',
      '/jobs?status_name=Pending&size=5&page=1&sort=-created',
      'alice-token',
    );
    expect(page.status).toBe(200);
    expect(decoded(PageJob, page.body).items.map((j) => j.id)).toContain(job.id);
    const pooled = await call(
      s.url,
      'GET',
      '/jobs?assigned_agent_pool_id=nope&archive_status=all',
      'alice-token',
    );
    expect(decoded(PageJob, pooled.body).total).toBe(0);
  });

  it('answers 404 for a job of another tenant, 422 with paths for bad input, 403 when not allowed', async () => {
    const job = decoded(Job, (await call(s.url, 'POST', '/jobs', 'alice-token', newJob)).body);
    const before = await countEvents(s.ledger);
    const other = await call(s.url, 'GET', `/jobs/${job.id}`, 'bob-t2-token');
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('NotFound');
    const bad = await call(s.url, 'POST', '/jobs', 'alice-token', { function: { id: 42 } });
    expect(bad.status).toBe(422);
    expect(bad.body.issues.map((i: { path: string }) => i.path).join(' ')).toMatch(/function/);
    const badList = await call(s.url, 'GET', '/jobs?size=1000', 'alice-token');
    expect(badList.status).toBe(422);
    const badJson = await call(s.url, 'POST', '/jobs', 'alice-token', '{"function":');
    expect(badJson.status).toBe(422);
    const agentArchives = await call(s.url, 'POST', `/jobs/${job.id}/archive`, 'agent-token', {});
    expect([403, 404]).toContain(agentArchives.status);
    expect(await countEvents(s.ledger)).toBe(before);
  });

  it('answers 409 with from, to and the allowed targets for a status the machine lacks', async () => {
    const job = decoded(Job, (await call(s.url, 'POST', '/jobs', 'alice-token', newJob)).body);
    const before = await countEvents(s.ledger);
    const res = await call(s.url, 'PUT', `/jobs/${job.id}/status`, 'admin-token', { status: 'Completed' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'Conflict', from: 'Pending', to: 'Completed' });
    expect(res.body.allowed).toEqual(expect.arrayContaining(['Canceled']));
    expect(await countEvents(s.ledger)).toBe(before);
  });

  it('lets an agent claim, heartbeat and complete a job while a long poll waits for it', async () => {
    // A function of its own: the agent claims this job, not one an earlier test left Pending.
    const fn = `fn-long-poll-${randomUUID()}`;
    const job = decoded(
      Job,
      (await call(s.url, 'POST', '/jobs', 'alice-token', { ...newJob, function: { id: fn } })).body,
    );
    let answered = false;
    const poll = call(s.url, 'GET', `/jobs/${job.id}/poll?timeout_s=20`, 'alice-token').finally(
      () => (answered = true),
    );
    const claimed = decoded(
      ResponseGetJobForAgent,
      (await call(s.url, 'POST', '/agent/job', 'agent-token', { function_ids: [fn] })).body,
    );
    expect(claimed).toMatchObject({ id: job.id });
    const beat = await call(s.url, 'POST', `/jobs/${job.id}/heartbeat`, 'agent-token');
    expect(beat.status).toBe(200);
    expect(Number.isNaN(Date.parse(beat.body.lease_expires_at))).toBe(false);
    for (const status of ['Validating', 'Running', 'Uploading'])
      expect(
        (await call(s.url, 'PUT', `/jobs/${job.id}/status`, 'agent-token', { status, message: status }))
          .status,
      ).toBe(200);
    expect(answered).toBe(false);
    expect(
      (await call(s.url, 'PUT', `/jobs/${job.id}/status`, 'agent-token', { status: 'Completed' })).status,
    ).toBe(200);
    expect(await poll).toEqual({ status: 200, body: { status: 'Completed' } });
    const none = await call(s.url, 'POST', '/agent/job', 'bob-t2-token', {});
    expect(none.status).toBe(403);
  });

  it('times a long poll out with 408 and refuses a bad timeout with 422', async () => {
    const job = decoded(Job, (await call(s.url, 'POST', '/jobs', 'alice-token', newJob)).body);
    expect((await call(s.url, 'GET', `/jobs/${job.id}/poll?timeout_s=0.2`, 'alice-token')).status).toBe(408);
    expect((await call(s.url, 'GET', `/jobs/${job.id}/poll?timeout_s=-1`, 'alice-token')).status).toBe(422);
  });

  it('archives, restores, comments, edits properties, grants access, and answers the histories', async () => {
    const job = decoded(Job, (await call(s.url, 'POST', '/jobs', 'alice-token', newJob)).body);
    const p = `/jobs/${job.id}`;
    expect((await call(s.url, 'POST', `${p}/archive`, 'alice-token', { reason: 'done' })).status).toBe(200);
    expect((await call(s.url, 'POST', `${p}/archive`, 'alice-token', {})).status).toBe(409);
    expect((await call(s.url, 'POST', `${p}/restore`, 'alice-token', { reason: 'again' })).status).toBe(200);
    const comment = await call(s.url, 'POST', `${p}/comments`, 'alice-token', { content: 'looks good' });
    expect(decoded(Comment, comment.body).content).toBe('looks good');
    const props = await call(s.url, 'PATCH', `${p}/properties`, 'alice-token', { display_name: 'Scene 1' });
    expect(props.status).toBe(200);
    const granted = await call(s.url, 'POST', `${p}/access`, 'alice-token', {
      subject_type: 'user',
      subject_id: 'u-carol',
      relation: 'viewer',
    });
    expect(granted.status).toBe(201);
    const grant = decoded(AccessRelationship, granted.body);
    const list = await call(s.url, 'GET', `${p}/access`, 'alice-token');
    expect(list.body.map((a: unknown) => decoded(AccessRelationship, a).id)).toContain(grant.id);
    expect((await call(s.url, 'DELETE', `${p}/access/${grant.id}`, 'alice-token')).status).toBe(200);
    const statuses = await call(s.url, 'GET', `${p}/status-history`, 'alice-token');
    expect(statuses.body.map((x: unknown) => decoded(JobStatus, x).name)).toEqual(['Created', 'Pending']);
    const archives = await call(s.url, 'GET', `${p}/archive-history`, 'alice-token');
    expect(archives.body.map((x: unknown) => decoded(ResourceArchiveStatus, x).name)).toEqual([
      'Active',
      'Archived',
      'Active',
    ]);
    const history = await call(s.url, 'GET', `${p}/history`, 'alice-token');
    expect(history.body.length).toBeGreaterThanOrEqual(6);
    expect(history.body[1].metadata.prev_hash).toBe(history.body[0].metadata.hash);
    const past = await call(
      s.url,
      'GET',
      `${p}/history?as_of=${history.body[0].metadata.recorded_at}`,
      'alice-token',
    );
    expect(past.body.length).toBeLessThan(history.body.length);
    expect((await call(s.url, 'GET', `${p}/history?as_of=yesterday`, 'alice-token')).status).toBe(422);
  });

  it("streams a job's events as SSE and resumes after Last-Event-ID", async () => {
    const job = decoded(Job, (await call(s.url, 'POST', '/jobs', 'alice-token', newJob)).body);
    const read = async (lastEventId?: string) => {
      const abort = new AbortController();
      const res = await fetch(`${s.url}/jobs/${job.id}/events`, {
        headers: {
          authorization: 'Bearer alice-token',
          ...(lastEventId && { 'last-event-id': lastEventId }),
        },
        signal: abort.signal,
      });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      return {
        ids: async (n: number) => {
          while ((text.match(/^id: /gm) ?? []).length < n) {
            const chunk = await reader.read();
            if (chunk.done) throw new Error(`the stream ended after ${JSON.stringify(text)}`);
            text += new TextDecoder().decode(chunk.value);
          }
          return [...text.matchAll(/^id: (\d+)/gm)].map((m) => Number(m[1]));
        },
        close: () => abort.abort(),
      };
    };
    const first = await read();
    expect(await first.ids(2)).toEqual([0, 1]);
    await call(s.url, 'POST', `/jobs/${job.id}/comments`, 'alice-token', { content: 'live' });
    const third = await first.ids(3);
    expect(third).toEqual([0, 1, 2]);
    first.close();
    const resumed = await read('1');
    expect(await resumed.ids(1)).toEqual([2]);
    resumed.close();
  });

  it('serves the page and the OpenAPI document without a token', async () => {
    const page = await fetch(`${s.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/page.js');
    const spec = await call(s.url, 'GET', '/openapi.json', undefined);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toContain('/jobs/{id}/poll');
  });
});

describe('drafts and assignment', () => {
  it('creates a draft, submits it, and assigns it to an agent', async () => {
    const draft = decoded(
      Job,
      (await call(s.url, 'POST', '/jobs', 'alice-token', { ...newJob, draft: true })).body,
    );
    expect(draft.statusHistory.at(-1)!.name).toBe('Created');
    const submitted = await call(s.url, 'POST', `/jobs/${draft.id}/submit`, 'alice-token');
    expect(submitted.status).toBe(200);
    expect(decoded(Job, submitted.body).statusHistory.at(-1)!.name).toBe('Pending');
    expect((await call(s.url, 'POST', `/jobs/${draft.id}/submit`, 'alice-token')).status).toBe(409);
    const assigned = await call(s.url, 'PUT', `/jobs/${draft.id}/agent`, 'alice-token', {
      agent_id: 'agent-1',
    });
    expect(assigned.status).toBe(200);
    expect(decoded(Job, assigned.body).assignedAgentId).toBe('agent-1');
    expect((await call(s.url, 'PUT', `/jobs/${draft.id}/agent`, 'alice-token', {})).status).toBe(422);
  });
});

describe('a failing store', () => {
  it('answers 500 without internals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobledger-http-500-'));
    const broken = await startServer(`sqlite:${join(dir, 'ledger.db')}`);
    try {
      await broken.ledger.store.close();
      const res = await call(broken.url, 'GET', '/jobs', 'alice-token');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        error: 'Internal',
        message: 'the service failed unexpectedly; the request may be retried, see the server log',
      });
    } finally {
      await broken.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('limits', () => {
  it('answers 413 for a body over the limit and appends nothing', async () => {
    const small = await startServer('memory:', 1024);
    try {
      const res = await call(small.url, 'POST', '/jobs', 'alice-token', { ...newJob, pad: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(await countEvents(small.ledger)).toBe(0);
    } finally {
      await small.stop();
    }
  });
});
