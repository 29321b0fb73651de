import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobLedgerSession } from '../../../src/app/JobLedgerSession.js';
import type { Job } from '../../../src/domain/model.js';
import { err, ok, statuses } from '../../app/support.js';

/** The sessions one behaviour run needs, in process or remote (the principals of `httpTestServer`). */
export interface SessionWorld {
  readonly alice: JobLedgerSession;
  readonly admin: JobLedgerSession;
  readonly bob: JobLedgerSession; // another tenant
  readonly agent: JobLedgerSession;
  stop(): Promise<void>;
}

/**
 * The session's behaviour as a user sees it, the same on every transport: lifecycle, claims, error tags,
 * access and tenancy, paging, files, history and pollJob. Each run gets its own world (its own ledger).
 */
export const sessionBehaviour = (transport: string, open: () => Promise<SessionWorld>) =>
  describe(`the session (${transport})`, () => {
    let w: SessionWorld;
    const dir = mkdtempSync(join(tmpdir(), 'jobledger-session-'));
    beforeAll(async () => {
      w = await open();
    });
    afterAll(async () => {
      await w.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const fn = (name: string) => ({ function: { id: `fn-${transport}-${name}` } });
    const claim = async (functionId: string) => {
      const claimed = await ok(w.agent.getJobForAgent({ functionIds: [functionId] }));
      expect('id' in claimed).toBe(true);
      return claimed as Job;
    };

    // Jobs created in one millisecond are ordered by id (oldest first, then the id): the test compares sets.
    it('claims in batches: up to max jobs, then the rest, then an empty array', async () => {
      const functionIds = [`fn-${transport}-batch`];
      const made: string[] = [];
      for (let i = 0; i < 3; i++)
        made.push((await ok(w.alice.createJob({ ...fn('batch'), file: { name: `p-${i}.json` } }))).id);
      const first = await ok(w.agent.getJobForAgent({ functionIds, max: 2 }));
      expect(first).toHaveLength(2);
      expect(first.every((j) => statuses(j).at(-1) === 'Claimed')).toBe(true);
      const rest = await ok(w.agent.getJobForAgent({ functionIds, max: 5 }));
      expect([...first, ...rest].map((j) => j.id).sort()).toEqual([...made].sort());
      expect(await ok(w.agent.getJobForAgent({ functionIds, max: 5 }))).toEqual([]);
      expect(await err(w.agent.getJobForAgent({ functionIds, max: 0 }))).toMatchObject({
        _tag: 'ValidationError',
      });
    });

    it('runs a job from creation to its result, and pollJob sees it finish', async () => {
      const job = await ok(
        w.alice.createJob({ ...fn('life'), file: { name: 'params.json', content: '{"n":1}' } }),
      );
      expect(statuses(job)).toEqual(['Created', 'Pending']);
      expect((await claim(`fn-${transport}-life`)).id).toBe(job.id);
      const polled = w.alice.pollJob(job.id, { timeoutMs: 20_000 })();
      for (const status of ['Validating', 'Running', 'Uploading'] as const)
        await ok(w.agent.updateStatus(job.id, { status }));
      expect((await ok(w.agent.heartbeat(job.id))).leaseExpiresAt).toBeInstanceOf(Date);
      await ok(
        w.agent.uploadResult(job.id, {
          name: 'result.txt',
          content: (async function* () {
            yield 'res';
            yield Buffer.from('ult');
          })(),
        }),
      );
      const done = await ok(w.agent.updateStatus(job.id, { status: 'Completed', message: 'fine' }));
      expect(done.statusHistory.at(-1)).toMatchObject({
        name: 'Completed',
        message: 'fine',
        agentId: 'agent-1',
      });
      expect(await polled).toEqual({ _tag: 'Right', right: 'Completed' });
      expect(await ok(w.alice.readText(job.id))).toBe('result');
      expect(await ok(w.alice.readJson(job.id, { revision: 1 }))).toEqual({ n: 1 });
      const revisions = await ok(w.alice.fileRevisions(job.id));
      expect(revisions.map((r) => [r.revision, r.file.name, r.stored])).toEqual([
        [1, 'params.json', true],
        [2, 'result.txt', true],
      ]);
      const copied = await ok(w.alice.copyTo(job.id, join(dir, 'out.txt')));
      expect(copied).toMatchObject({ bytes: 6, revision: 2 });
      expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('result');
      const opened = await ok(w.alice.openFile(job.id, { revision: 1 }));
      let text = '';
      for await (const chunk of opened.stream) text += String(chunk);
      expect([opened.file.name, text]).toEqual(['params.json', '{"n":1}']);
      expect(statuses(await ok(w.alice.getJob(job.id)))).toEqual([
        'Created',
        'Pending',
        'Claimed',
        'Validating',
        'Running',
        'Uploading',
        'Completed',
      ]);
    });

    it('answers the same error tags, messages and paths', async () => {
      const missing = await err(w.alice.getJob('no-such-job'));
      expect(missing).toMatchObject({ _tag: 'NotFound', resource: 'job', id: 'no-such-job' });
      const invalid = await err(w.alice.createJob({ function: { id: '' }, file: {} } as never));
      expect(invalid._tag).toBe('ValidationError');
      expect(invalid._tag === 'ValidationError' && invalid.issues.map((i) => i.path)).toEqual([
        'input.function.id',
        'input.file.name',
      ]);
      expect((await err(w.alice.getJob(''))).message).toMatch(/^invalid input: id: /);
      const job = await ok(w.alice.createJob({ ...fn('errors'), file: { name: 'p.json' } }));
      const illegal = await err(w.alice.submitJob(job.id));
      expect(illegal).toMatchObject({ _tag: 'Conflict', jobId: job.id, from: 'Pending', to: 'Pending' });
      const elsewhere = { ...fn('errors'), file: { name: 'p.json' }, tenantId: 't2' };
      expect(await err(w.alice.createJob(elsewhere))).toMatchObject({ _tag: 'Forbidden' });
      expect((await err(w.alice.readBytes(job.id)))._tag).toBe('NotFound');
      const timeout = await err(w.alice.pollJob(job.id, { timeoutMs: 200 }));
      expect(timeout).toMatchObject({ _tag: 'Timeout', afterMs: 200 });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      expect((await err(w.alice.pollJob(job.id, { timeoutMs: 20_000, signal: abort.signal })))._tag).toBe(
        'Timeout',
      );
    });

    it('keeps tenants apart and lets owners grant access', async () => {
      const job = await ok(w.alice.createJob({ ...fn('access'), file: { name: 'p.json' } }));
      expect(await err(w.bob.getJob(job.id))).toMatchObject({ _tag: 'NotFound' });
      expect(await err(w.bob.cancelJob(job.id))).toMatchObject({ _tag: 'NotFound' });
      const grant = await ok(
        w.alice.createAccess(job.id, { subjectType: 'user', subjectId: 'u-carol', relation: 'viewer' }),
      );
      const updated = await ok(w.alice.updateAccess(job.id, grant.id, { relation: 'editor' }));
      expect(updated.relation).toBe('editor');
      expect((await ok(w.alice.listAccess(job.id))).map((a) => [a.subjectId, a.relation])).toContainEqual([
        'u-carol',
        'editor',
      ]);
      await ok(w.alice.removeAccess(job.id, grant.id));
      expect((await ok(w.admin.getJob(job.id))).id).toBe(job.id);
      const archived = await ok(w.alice.archiveJob(job.id, { reason: 'done' }));
      expect(archived.archiveStatusHistory.at(-1)?.name).toBe('Archived');
      expect((await err(w.alice.archiveJob(job.id)))._tag).toBe('Conflict');
      await ok(w.alice.restoreJob(job.id));
      expect((await ok(w.alice.archiveHistory(job.id))).map((a) => a.name)).toEqual([
        'Active',
        'Archived',
        'Active',
      ]);
    });

    it('pages listJobs and keeps the history', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await ok(w.alice.createJob({ ...fn('list'), file: { name: 'p.json' }, draft: true }))).id);
      const first = await ok(
        w.alice.listJobs({ size: 2, functionId: `fn-${transport}-list`, sort: 'created' }),
      );
      expect([first.total, first.pages, first.items.length]).toEqual([3, 2, 2]);
      const second = await ok(
        w.alice.listJobs({ size: 2, page: 2, functionId: `fn-${transport}-list`, sort: 'created' }),
      );
      // Jobs created in one millisecond may tie on `created`: the two pages hold each job once.
      expect([...first.items, ...second.items].map((j) => j.id).sort()).toEqual([...ids].sort());
      expect((await err(w.alice.listJobs({ page: 0 })))._tag).toBe('ValidationError');
      const id = ids[0]!;
      await ok(w.alice.updateProperties(id, { displayName: 'First' }));
      await ok(w.alice.updateDescription(id, 'about it'));
      const comment = await ok(w.alice.addComment(id, { content: 'hello' }));
      expect(comment.content).toBe('hello');
      const events = await ok(w.alice.history(id));
      expect(events.map((e) => e.type)).toEqual([
        'JobCreated',
        'JobPropertiesUpdated',
        'JobPropertiesUpdated',
        'JobCommentAdded',
      ]);
      expect(events[1]!.metadata.prevHash).toBe(events[0]!.metadata.hash);
      const now = await ok(w.alice.jobAsOf(id, new Date()));
      expect([now.file.displayName, now.file.description]).toEqual(['First', 'about it']);
      expect((await err(w.alice.jobAsOf(id, '2000-01-01T00:00:00Z')))._tag).toBe('NotFound');
      expect((await ok(w.alice.statusHistory(id))).map((s) => s.name)).toEqual(['Created']);
    });
  });
