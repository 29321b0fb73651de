import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import { sqliteEventStore } from '../../src/adapters/sqlite/sqliteEventStore.js';
import type { EventStore } from '../../src/domain/EventStore.js';
import type { StoredEvent } from '../../src/domain/storedEvent.js';
import { describePg, freshSchema, pgStores } from '../adapters/postgres/pgTestServer.js';
import { tempDatabases } from '../adapters/sqlite/tempDatabase.js';
import { err, ok, statuses, testLedger } from './support.js';

const databases = tempDatabases();
afterAll(() => databases.cleanup());

const streamOf = async (store: EventStore, jobId: string): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  for await (const e of store.readStream(`job-${jobId}`)) events.push(e);
  return events;
};

const stores: [string, () => EventStore][] = [
  ['memory', () => memoryEventStore()],
  // synchronous=normal: thousands of renewals, each its own commit, without an fsync each.
  ['sqlite', () => sqliteEventStore({ file: databases.file(), synchronous: 'normal' })],
];

/** `renewals`: how many heartbeats the long-running job sends (each is a commit on the SQL stores). */
const leaseSuite = (open: () => EventStore, renewals = 1000): void => {
  const runningJob = async (t: ReturnType<typeof testLedger>) => {
    const job = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } }));
    const claimed = await ok(t.agent.getJobForAgent());
    expect('id' in claimed && claimed.id).toBe(job.id);
    await ok(t.agent.updateStatus(job.id, { status: 'Running' }));
    return job.id;
  };

  it('a long-running job renews hundreds of times and keeps a short history and an exact lease', async () => {
    const t = testLedger(open());
    try {
      const id = await runningJob(t);
      const before = (await streamOf(t.store, id)).length;
      for (let i = 0; i < renewals; i++) {
        t.advance(20_000);
        const lease = await ok(t.agent.heartbeat(id));
        expect(lease.leaseExpiresAt.getTime()).toBe(t.now().getTime() + 60_000);
        // Nothing expires while the lease is renewed in time, although the last event's lease is long past.
        if (i % 100 === 0) expect(await ok(t.ledger.expireLeases())).toEqual([]);
      }
      expect((await streamOf(t.store, id)).length).toBe(before);
      // Past the renewed deadline the job expires, and the event names the deadline that was in force.
      const deadline = new Date(t.now().getTime() + 60_000);
      t.advance(60_000);
      const expired = await ok(t.ledger.expireLeases());
      expect(expired).toEqual([{ jobId: id, agentId: 'agent-7', from: 'Running', to: 'Unknown' }]);
      const last = (await streamOf(t.store, id)).at(-1)!;
      expect(last.data).toMatchObject({ reason: 'lease-expired', to: 'Unknown' });
      expect((last.data as { message: string }).message).toContain(deadline.toISOString());
      expect((await streamOf(t.store, id)).length).toBe(before + 1);
      // The report verifies, and replays to the same job.
      const report = await ok(t.ledger.verify());
      expect(report.problems).toEqual([]);
    } finally {
      await t.ledger.close()();
    }
  });

  it('fences a stale agent after expiry: its heartbeats and reports are refused, its renewal counts for nothing', async () => {
    const t = testLedger(open());
    try {
      const job = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } }));
      await ok(t.agent.getJobForAgent());
      t.advance(50_000);
      await ok(t.agent.heartbeat(job.id));
      t.advance(61_000);
      expect(await ok(t.ledger.expireLeases())).toEqual([
        { jobId: job.id, agentId: 'agent-7', from: 'Claimed', to: 'Pending' },
      ]);
      // Another agent claims it; the stale one is fenced.
      await ok(t.agent2.getJobForAgent());
      expect((await err(t.agent.heartbeat(job.id)))._tag).toBe('Conflict');
      expect((await err(t.agent.updateStatus(job.id, { status: 'Running' })))._tag).toBe('Conflict');
      // The stale agent's renewal belongs to the old claim: it never extends the new holder's lease.
      t.advance(60_001);
      expect(await ok(t.ledger.expireLeases())).toEqual([
        { jobId: job.id, agentId: 'agent-8', from: 'Claimed', to: 'Pending' },
      ]);
      const job2 = await ok(t.alice.getJob(job.id));
      expect(statuses(job2)).toEqual(['Created', 'Pending', 'Claimed', 'Pending', 'Claimed', 'Pending']);
    } finally {
      await t.ledger.close()();
    }
  });

  it('a renewal decided before an expiry that won the race is refused, never kept', async () => {
    const t = testLedger(open());
    try {
      const id = await runningJob(t);
      t.advance(60_000);
      // Both start from the same state: one of them wins, and the other must see it.
      const [renewed, expired] = await Promise.all([t.agent.heartbeat(id)(), t.ledger.expireLeases()()]);
      const job = await ok(t.alice.getJob(id));
      const wasExpired = E.isRight(expired) && expired.right.length === 1;
      if (wasExpired) {
        expect(E.isLeft(renewed)).toBe(true);
        expect(statuses(job).at(-1)).toBe('Unknown');
      } else {
        expect(E.isRight(renewed)).toBe(true);
        expect(statuses(job).at(-1)).toBe('Running');
      }
    } finally {
      await t.ledger.close()();
    }
  });

  it('a log that already holds JobLeaseRenewed events replays, verifies and keeps their deadline', async () => {
    const store = open();
    const t = testLedger(store);
    try {
      const id = await runningJob(t);
      const tip = (await streamOf(store, id)).at(-1)!;
      const old = new Date(t.now().getTime() + 300_000).toISOString();
      const appended = await store.append(
        `job-${id}`,
        [
          {
            type: 'JobLeaseRenewed',
            data: { agentId: 'agent-7', leaseExpiresAt: old },
            metadata: { actor: { kind: 'agent', id: 'agent-7' }, recordedAt: t.now().toISOString() },
          },
        ],
        { expected: tip.version },
      )();
      expect(E.isRight(appended)).toBe(true);
      t.advance(200_000);
      expect(await ok(t.ledger.expireLeases())).toEqual([]);
      expect((await ok(t.ledger.verify())).problems).toEqual([]);
      t.advance(100_001);
      expect((await ok(t.ledger.expireLeases())).map((e) => e.to)).toEqual(['Unknown']);
    } finally {
      await t.ledger.close()();
    }
  });
};

describe.each(stores)('leases beside the stream (%s)', (_name, open) => leaseSuite(open));

describePg('leases beside the stream (postgres)', () => {
  const pgs = pgStores();
  afterAll(() => pgs.cleanup());
  leaseSuite(() => pgs.open(freshSchema('leases'), { poolSize: 4 }), 200);
});
