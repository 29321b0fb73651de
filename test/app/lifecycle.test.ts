import { describe, expect, it } from 'vitest';
import { countEvents, err, ok, smallJob, statuses, testLedger } from './support.js';

describe('a job from creation to completion', () => {
  it('createJob records Created then Pending; the creator owns it; archive history starts Active', async () => {
    const { alice } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    expect(statuses(job)).toEqual(['Created', 'Pending']);
    expect(job.createdById).toBe('u-alice');
    expect(job.tenantId).toBe('t1');
    expect(job.archiveStatusHistory.map((a) => a.name)).toEqual(['Active']);
    expect(job.file).toMatchObject({ name: 'params.json', mime: null });
    expect(job.function).toEqual({ id: 'fn-1', functionId: null, name: null, versionName: null });
    expect(await ok(alice.getJob(job.id))).toEqual(job);
  });

  it('a draft stays Created until submitJob', async () => {
    const { alice } = testLedger();
    const draft = await ok(alice.createJob({ ...smallJob, draft: true }));
    expect(statuses(draft)).toEqual(['Created']);
    const submitted = await ok(alice.submitJob(draft.id));
    expect(statuses(submitted)).toEqual(['Created', 'Pending']);
    expect(await err(alice.submitJob(draft.id))).toMatchObject({ _tag: 'Conflict', from: 'Pending' });
  });

  it('an agent claims, validates, runs, uploads and completes; the timeline records who and when', async () => {
    const { alice, agent, advance } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    const claimed = await ok(agent.getJobForAgent());
    expect(claimed).toMatchObject({ id: job.id, agentId: 'agent-7' });
    advance(1000);
    for (const status of ['Validating', 'Running', 'Uploading', 'Completed'] as const) {
      await ok(agent.updateStatus(job.id, { status, message: `now ${status}` }));
    }
    const done = await ok(alice.getJob(job.id));
    expect(statuses(done)).toEqual([
      'Created',
      'Pending',
      'Claimed',
      'Validating',
      'Running',
      'Uploading',
      'Completed',
    ]);
    expect(done.statusHistory.at(-1)).toMatchObject({
      agentId: 'agent-7',
      createdById: 'agent-7',
      message: 'now Completed',
    });
    expect(done.statusHistory.at(-1)!.created.toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('getJobForAgent answers NoJobResponse when nothing is eligible', async () => {
    const { agent } = testLedger();
    expect(await ok(agent.getJobForAgent())).toEqual({ message: 'no job is available for agent agent-7' });
  });

  it('claims honour the assigned agent, the pool and the function filter, oldest first', async () => {
    const { alice, agent, agent2, advance } = testLedger();
    const forPool = await ok(alice.createJob({ ...smallJob, assignedAgentPoolId: 'pool-a' }));
    advance(1);
    const forAgent8 = await ok(alice.createJob({ ...smallJob, assignedAgentId: 'agent-8' }));
    advance(1);
    const fn2 = await ok(alice.createJob({ function: { id: 'fn-2' }, file: { name: 'x' } }));
    expect(await ok(agent2.getJobForAgent({ functionIds: ['fn-1'] }))).toMatchObject({ id: forAgent8.id });
    expect(await ok(agent2.getJobForAgent({ functionIds: ['fn-1'] }))).toEqual({
      message: expect.any(String),
    });
    expect(await ok(agent.getJobForAgent())).toMatchObject({ id: forPool.id });
    expect(await ok(agent.getJobForAgent())).toMatchObject({ id: fn2.id });
  });

  it('terminal statuses absorb every status change; archive, comments and properties still work', async () => {
    const { alice, agent, store } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    await ok(alice.cancelJob(job.id, { message: 'not needed' }));
    const before = await countEvents(store);
    for (const status of ['Pending', 'Running', 'Completed', 'Failed', 'Canceled'] as const) {
      expect(await err(alice.updateStatus(job.id, { status }))).toMatchObject({
        _tag: 'Conflict',
        from: 'Canceled',
        allowed: [],
      });
    }
    expect(await ok(agent.getJobForAgent())).toEqual({ message: expect.any(String) });
    expect(await countEvents(store)).toBe(before);
    await ok(alice.archiveJob(job.id, { reason: 'cleanup' }));
    await ok(alice.addComment(job.id, { content: 'why canceled' }));
    const j = await ok(alice.updateDisplayName(job.id, 'Old run'));
    expect(j.file.displayName).toBe('Old run');
    expect(statuses(j).at(-1)).toBe('Canceled');
  });

  it('illegal edges are Conflicts listing the allowed targets, and append nothing', async () => {
    const { alice, store } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    const before = await countEvents(store);
    const e = await err(alice.updateStatus(job.id, { status: 'Completed' }));
    expect(e).toMatchObject({
      _tag: 'Conflict',
      from: 'Pending',
      to: 'Completed',
      allowed: ['Claimed', 'Failed', 'Canceled'],
    });
    expect(await countEvents(store)).toBe(before);
  });
});

describe('who may drive an edge', () => {
  it('a user asking for an agent edge is Forbidden; the wrong agent gets Conflict (fencing)', async () => {
    const { alice, agent, agent2 } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    await ok(agent.getJobForAgent());
    expect(await err(alice.updateStatus(job.id, { status: 'Running' }))).toMatchObject({ _tag: 'Forbidden' });
    expect(await err(agent2.updateStatus(job.id, { status: 'Running' }))).toMatchObject({ _tag: 'NotFound' });
    await ok(alice.createAccess(job.id, { subjectType: 'agent', subjectId: 'agent-8', relation: 'viewer' }));
    expect(await err(agent2.updateStatus(job.id, { status: 'Running' }))).toMatchObject({ _tag: 'Conflict' });
    const pending = await ok(alice.createJob(smallJob));
    expect(await err(alice.updateStatus(pending.id, { status: 'Claimed' }))).toMatchObject({
      _tag: 'Forbidden',
    });
  });

  it('a stale agent is fenced after its lease expired and another agent claimed the job', async () => {
    const { alice, agent, ledger, advance } = testLedger();
    const staleAgent = ledger.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });
    const job = await ok(alice.createJob(smallJob));
    await ok(staleAgent.getJobForAgent());
    advance(61_000);
    expect(await ok(ledger.expireLeases())).toEqual([
      { jobId: job.id, agentId: 'agent-1', from: 'Claimed', to: 'Pending' },
    ]);
    expect(await ok(agent.getJobForAgent())).toMatchObject({ id: job.id, agentId: 'agent-7' });
    expect(await err(staleAgent.updateStatus(job.id, { status: 'Running' }))).toMatchObject({
      _tag: 'Conflict',
    });
    await ok(agent.updateStatus(job.id, { status: 'Running' }));
  });

  it('viewers may read but not edit; editors may cancel; only owners manage access', async () => {
    const { alice, bob } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    expect(await err(bob.getJob(job.id))).toMatchObject({ _tag: 'NotFound' });
    const grant = await ok(
      alice.createAccess(job.id, { subjectType: 'user', subjectId: 'u-bob', relation: 'viewer' }),
    );
    expect((await ok(bob.getJob(job.id))).id).toBe(job.id);
    expect(await err(bob.cancelJob(job.id))).toMatchObject({ _tag: 'Forbidden' });
    await ok(alice.updateAccess(job.id, grant.id, { relation: 'editor' }));
    expect(await err(bob.listAccess(job.id))).toMatchObject({ _tag: 'Forbidden' });
    await ok(bob.cancelJob(job.id));
    const removed = await ok(alice.removeAccess(job.id, grant.id));
    expect(removed.id).toBe(grant.id);
    expect(await err(bob.getJob(job.id))).toMatchObject({ _tag: 'NotFound' });
  });

  it('access by email matches the user principal with that email', async () => {
    const { alice, bob } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    await ok(alice.createAccessByEmail(job.id, { email: 'BOB@example.com', relation: 'editor' }));
    expect((await ok(alice.listAccess(job.id)))[0]).toMatchObject({
      subjectType: 'email',
      subjectId: 'bob@example.com',
    });
    await ok(bob.addComment(job.id, { content: 'hello' }));
  });

  it('another tenant never sees a job, not even through listJobs; an administrator sees the tenant', async () => {
    const { alice, mallory, admin } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    expect(await err(mallory.getJob(job.id))).toMatchObject({ _tag: 'NotFound' });
    expect(await err(mallory.cancelJob(job.id))).toMatchObject({ _tag: 'NotFound' });
    expect((await ok(mallory.listJobs())).total).toBe(0);
    expect((await ok(admin.listJobs())).total).toBe(1);
    await ok(admin.cancelJob(job.id));
  });
});

describe('leases', () => {
  it('heartbeat extends the lease; expiry moves Running to Unknown, from where the late agent may still report', async () => {
    const { alice, agent, ledger, advance } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    await ok(agent.getJobForAgent());
    await ok(agent.updateStatus(job.id, { status: 'Running' }));
    advance(50_000);
    const { leaseExpiresAt } = await ok(agent.heartbeat(job.id));
    expect(leaseExpiresAt.toISOString()).toBe('2026-01-01T00:01:50.000Z');
    advance(20_000);
    expect(await ok(ledger.expireLeases())).toEqual([]);
    advance(60_000);
    expect(await ok(ledger.expireLeases())).toEqual([
      { jobId: job.id, agentId: 'agent-7', from: 'Running', to: 'Unknown' },
    ]);
    const unknown = await ok(alice.getJob(job.id));
    expect(unknown.statusHistory.at(-1)).toMatchObject({ name: 'Unknown', createdById: 'system' });
    await ok(agent.updateStatus(job.id, { status: 'Completed' }));
  });

  it('an editor may requeue an Unknown job', async () => {
    const { alice, bob, agent, ledger, advance } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    const access = await ok(
      alice.createAccess(job.id, { subjectType: 'user', subjectId: 'u-bob', relation: 'viewer' }),
    );
    await ok(agent.getJobForAgent());
    await ok(agent.updateStatus(job.id, { status: 'Running' }));
    advance(120_000);
    await ok(ledger.expireLeases());
    // A viewer may not; bob made editor may.
    expect(await err(bob.updateStatus(job.id, { status: 'Pending' }))).toMatchObject({ _tag: 'Forbidden' });
    await ok(alice.updateAccess(job.id, access.id, { relation: 'editor' }));
    const requeued = await ok(bob.updateStatus(job.id, { status: 'Pending', message: 'retry' }));
    expect(requeued.statusHistory.at(-1)).toMatchObject({ name: 'Pending', createdById: 'u-bob' });
    expect(requeued.agentId).toBeNull();
    expect(await err(agent.updateStatus(job.id, { status: 'Completed' }))).toMatchObject({
      _tag: 'Conflict',
    });
  });
});

describe('pollJob', () => {
  it('resolves when the job reaches a terminal status (event-driven)', async () => {
    const { alice, agent } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    const waiting = alice.pollJob(job.id, { timeoutMs: 5000 })();
    await ok(agent.getJobForAgent());
    await ok(agent.updateStatus(job.id, { status: 'Running' }));
    await ok(agent.updateStatus(job.id, { status: 'Failed', message: 'boom' }));
    expect(await waiting).toEqual({ _tag: 'Right', right: 'Failed' });
  });

  it('answers at once for a finished job, Timeout after timeoutMs, Timeout on abort, NotFound for strangers', async () => {
    const { alice, mallory } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    expect(await err(alice.pollJob(job.id, { timeoutMs: 30 }))).toMatchObject({
      _tag: 'Timeout',
      afterMs: 30,
    });
    const controller = new AbortController();
    const aborted = alice.pollJob(job.id, { signal: controller.signal })();
    setTimeout(() => controller.abort(), 10);
    expect(await aborted).toMatchObject({ _tag: 'Left', left: { _tag: 'Timeout' } });
    // Aborted while pollJob still reads the job (before it waits on the feed): seen at once, not at the timeout.
    const early = new AbortController();
    const abortedEarly = alice.pollJob(job.id, { timeoutMs: 600_000, signal: early.signal })();
    early.abort();
    expect(await abortedEarly).toMatchObject({ _tag: 'Left', left: { _tag: 'Timeout' } });
    expect(await err(mallory.pollJob(job.id))).toMatchObject({ _tag: 'NotFound' });
    await ok(alice.cancelJob(job.id));
    expect(await ok(alice.pollJob(job.id))).toBe('Canceled');
  });
});

describe('listing', () => {
  it('pages, filters and follows keyset cursors', async () => {
    const { alice, agent, advance } = testLedger();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await ok(alice.createJob(smallJob))).id);
      advance(1000);
    }
    const first = await ok(alice.listJobs({ size: 10 }));
    expect(first).toMatchObject({ total: 25, page: 1, size: 10, pages: 3 });
    expect(first.items.map((j) => j.id)).toEqual(ids.slice().reverse().slice(0, 10));
    const second = await ok(alice.listJobs({ size: 10, cursor: first.nextCursor! }));
    expect(second.items.map((j) => j.id)).toEqual(ids.slice().reverse().slice(10, 20));
    const page3 = await ok(alice.listJobs({ size: 10, page: 3 }));
    expect(page3.items.map((j) => j.id)).toEqual(ids.slice().reverse().slice(20));
    expect(page3.nextCursor).toBeNull();
    const asc = await ok(alice.listJobs({ size: 5, sort: 'created' }));
    expect(asc.items.map((j) => j.id)).toEqual(ids.slice(0, 5));
    await ok(agent.getJobForAgent());
    expect((await ok(alice.listJobs({ status: 'Claimed' }))).items.map((j) => j.id)).toEqual([ids[0]]);
    await ok(alice.archiveJob(ids[1]!));
    expect((await ok(alice.listJobs({ archiveStatus: 'archived' }))).total).toBe(1);
    expect((await ok(alice.listJobs())).total).toBe(24);
    expect((await ok(alice.listJobs({ archiveStatus: 'all' }))).total).toBe(25);
    expect(await err(alice.listJobs({ size: 5, sort: 'created', cursor: first.nextCursor! }))).toMatchObject({
      _tag: 'ValidationError',
    });
  });
});

describe('audit and time travel', () => {
  it('history lists the stored events with hashes; asOf and jobAsOf cut at a time', async () => {
    const { alice, agent, advance } = testLedger();
    const job = await ok(alice.createJob(smallJob));
    const t1 = advance(1000);
    await ok(agent.getJobForAgent());
    advance(1000);
    await ok(agent.updateStatus(job.id, { status: 'Running' }));
    const events = await ok(alice.history(job.id));
    expect(events.map((e) => e.type)).toEqual([
      'JobCreated',
      'JobStatusChanged',
      'JobStatusChanged',
      'JobStatusChanged',
    ]);
    expect(events[1]!.metadata.prevHash).toBe(events[0]!.metadata.hash);
    expect((await ok(alice.history(job.id, { asOf: t1 }))).length).toBe(3);
    expect(statuses(await ok(alice.jobAsOf(job.id, t1)))).toEqual(['Created', 'Pending', 'Claimed']);
    expect(await err(alice.jobAsOf(job.id, '2025-01-01T00:00:00Z'))).toMatchObject({ _tag: 'NotFound' });
  });

  it('verify passes on a healthy log; rebuildProjections gives back the same read model', async () => {
    const { alice, agent, ledger, store } = testLedger();
    for (let i = 0; i < 5; i++) await ok(alice.createJob(smallJob));
    await ok(agent.getJobForAgent());
    const report = await ok(ledger.verify());
    expect(report).toMatchObject({ ok: true, streams: 5, events: 11, problems: [] });
    const readModel = (store as unknown as { readModel: { dump(): Promise<unknown> } }).readModel;
    const before = await readModel.dump();
    expect(await ok(ledger.rebuildProjections())).toMatchObject({ events: 11 });
    expect(await readModel.dump()).toEqual(before);
  });
});
