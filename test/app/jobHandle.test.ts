import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobHandle, type JobHandle } from '../../src/app/jobHandle.js';
import type { JobLedgerSession } from '../../src/app/JobLedgerSession.js';
import { err, ok, testLedger } from './support.js';
import { telemetryHarness } from './telemetry/telemetryHarness.js';

const dir = mkdtempSync(join(tmpdir(), 'jobledger-handle-'));
const otel = telemetryHarness();
afterAll(async () => {
  await otel.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('job handles', () => {
  it('in process: every call acts on its job, and `job` follows the last value read', async () => {
    const t = testLedger();
    const created = await ok(
      t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json', content: '{"n":1}' } }),
    );
    const job = t.alice.job(created.id);
    expect(job.id).toBe(created.id);
    expect(job.job).toBeUndefined();
    expect((await ok(job.refresh())).id).toBe(created.id);
    expect(job.job?.id).toBe(created.id);

    await ok(job.updateDisplayName('Run 1'));
    expect(job.job?.file.displayName).toBe('Run 1');
    await ok(job.updateProperties({ description: 'nightly', versionName: 'v1' }));
    await ok(job.updateExternalIdentifier('ext-1'));
    await ok(job.updateDescription('nightly run'));
    expect(job.job?.file.revisions[0]).toMatchObject({
      displayName: 'Run 1',
      description: 'nightly run',
      versionName: 'v1',
      externalIdentifier: 'ext-1',
    });
    await ok(job.updateVersionName('v2'));
    expect(job.job?.file.versionName).toBe('v2');

    expect(await ok(job.readJson())).toEqual({ n: 1 });
    expect(await ok(job.readText())).toBe('{"n":1}');
    expect(new TextDecoder().decode(await ok(job.readBytes({ revision: 1 })))).toBe('{"n":1}');
    const copied = await ok(job.copyTo(join(dir, 'params.json')));
    expect(copied).toMatchObject({ bytes: 7, revision: 1 });
    expect(readFileSync(join(dir, 'params.json'), 'utf8')).toBe('{"n":1}');

    const grant = await ok(job.createAccess({ subjectType: 'user', subjectId: 'u-bob', relation: 'viewer' }));
    await ok(job.createAccessByEmail({ email: 'carol@example.com', relation: 'viewer' }));
    expect((await ok(job.updateAccess(grant.id, { relation: 'editor' }))).relation).toBe('editor');
    expect((await ok(job.listAccess())).map((a) => a.subjectId)).toContain('u-bob');
    await ok(job.removeAccess(grant.id));
    expect((await ok(job.listAccess())).map((a) => a.subjectId)).not.toContain('u-bob');

    await ok(job.archive({ reason: 'done' }));
    expect(job.job?.archiveStatusHistory.at(-1)?.name).toBe('Archived');
    await ok(job.restore());
    expect(job.job?.archiveStatusHistory.at(-1)?.name).toBe('Active');

    // No cache sits between an in-process session and its files.
    const none = { entries: 0, bytes: 0, hits: 0, misses: 0, maxBytes: 0 };
    expect(await ok(job.getCacheStats())).toEqual(none);
    expect(await ok(job.cleanupCache())).toEqual(none);

    await ok(t.alice.cancelJob(created.id));
    expect(await ok(job.pollJob({ timeoutMs: 5_000 }))).toBe('Canceled');
  });

  it('answers what the session answers: NotFound for a job the principal may not see, and `job` stays', async () => {
    const t = testLedger();
    const created = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } }));
    const theirs = t.mallory.job(created.id);
    expect((await err(theirs.refresh()))._tag).toBe('NotFound');
    expect((await err(theirs.archive()))._tag).toBe('NotFound');
    expect(theirs.job).toBeUndefined();
    const mine = t.alice.job(created.id);
    await ok(mine.refresh());
    expect((await err(mine.updateDisplayName('x'.repeat(100_000))))._tag).toBe('ValidationError');
    expect(mine.job?.file.displayName).toBeNull();
  });

  it('is a thin delegation: each call is the session’s call with the id bound (so they cannot drift)', async () => {
    const calls: unknown[][] = [];
    // A session that records what it was asked and answers the name of the call.
    const recording = new Proxy({} as JobLedgerSession & { getCacheStats: unknown; cleanupCache: unknown }, {
      get:
        (_, name: string) =>
        (...args: unknown[]) => {
          calls.push([name, ...args]);
          return TE.right({ id: 'j-1', answeredBy: name });
        },
    });
    const handle = createJobHandle(recording, 'j-1');
    const signal = new AbortController().signal;
    const asked: [keyof JobHandle, unknown[], unknown[]][] = [
      ['refresh', [], ['getJob', 'j-1']],
      ['pollJob', [{ timeoutMs: 5, signal }], ['pollJob', 'j-1', { timeoutMs: 5, signal }]],
      ['updateProperties', [{ description: 'd' }], ['updateProperties', 'j-1', { description: 'd' }]],
      ['updateDescription', ['d'], ['updateDescription', 'j-1', 'd']],
      ['updateDisplayName', ['n'], ['updateDisplayName', 'j-1', 'n']],
      ['updateExternalIdentifier', ['x'], ['updateExternalIdentifier', 'j-1', 'x']],
      ['updateVersionName', ['v'], ['updateVersionName', 'j-1', 'v']],
      ['readBytes', [{ revision: 2 }], ['readBytes', 'j-1', { revision: 2 }]],
      ['readText', [], ['readText', 'j-1', undefined]],
      ['readJson', [], ['readJson', 'j-1', undefined]],
      ['copyTo', ['/tmp/x', { revision: 1 }], ['copyTo', 'j-1', '/tmp/x', { revision: 1 }]],
      ['getCacheStats', [], ['getCacheStats']],
      ['cleanupCache', [], ['cleanupCache']],
      [
        'createAccess',
        [{ subjectType: 'user', subjectId: 'u', relation: 'viewer' }],
        ['createAccess', 'j-1', { subjectType: 'user', subjectId: 'u', relation: 'viewer' }],
      ],
      [
        'createAccessByEmail',
        [{ email: 'e@x', relation: 'viewer' }],
        ['createAccessByEmail', 'j-1', { email: 'e@x', relation: 'viewer' }],
      ],
      [
        'updateAccess',
        ['a-1', { relation: 'editor' }],
        ['updateAccess', 'j-1', 'a-1', { relation: 'editor' }],
      ],
      ['removeAccess', ['a-1'], ['removeAccess', 'j-1', 'a-1']],
      ['listAccess', [], ['listAccess', 'j-1']],
      ['archive', [{ reason: 'r' }], ['archiveJob', 'j-1', { reason: 'r' }]],
      ['restore', [], ['restoreJob', 'j-1', undefined]],
    ];
    for (const [method, args, expected] of asked) {
      calls.length = 0;
      const call = (handle[method] as (...a: unknown[]) => TE.TaskEither<unknown, unknown>)(...args);
      expect(await call(), method).toEqual(expect.objectContaining({ right: expect.anything() }));
      expect(calls, method).toEqual([expected]);
    }
    // Every member of the handle is covered above (a new one must be added here too).
    expect(Object.keys(handle).sort()).toEqual(['id', 'job', ...asked.map(([m]) => m)].sort());
    expect(handle.job).toEqual({ id: 'j-1', answeredBy: 'restoreJob' });
  });

  it('over a traced session, its commands are traced like the session’s own', async () => {
    const t = testLedger(undefined, { telemetry: otel.telemetry });
    const created = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } }));
    await ok(t.alice.job(created.id).updateDisplayName('traced'));
    const spans = (await otel.finished()).filter(
      (s) =>
        s.name === 'jobledger.command' &&
        s.attributes['jobledger.command.type'] === 'updateDisplayName' &&
        s.attributes['jobledger.job.id'] === created.id,
    );
    expect(spans).toHaveLength(1);
  });
});
