import { afterAll, expect, it } from 'vitest';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import type { Job } from '../../../src/domain/model.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { describePg, freshSchema, pgStores, sql, waitFor } from './pgTestServer.js';
import { right } from './results.js';

describePg('the live feed on Postgres', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it("a waiting pollJob and an all-event listener carry on when the feed's connections are terminated: no gap, no repeat", async () => {
    const schema = freshSchema('feed');
    const applicationName = `jl-feed-a-${process.pid}-${Date.now()}`;
    // Polling is slowed to a minute (three times the waits below): what arrives was read after a reconnection.
    const a = createJobLedger({ store: stores.open(schema, { applicationName, pollIntervalMs: 60_000 }) });
    const b = createJobLedger({ store: stores.open(schema) });
    const alice = a.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    const agent = b.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });
    const job = right(await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })());

    const seen: StoredEvent[] = [];
    const stop = a.feed.listenAll((e) => seen.push(e));
    const polled = alice.pollJob(job.id, { timeoutMs: 20_000 })();
    const backends = async () =>
      (
        await sql<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [
          applicationName,
        ])
      )
        .map((r) => r.pid)
        .sort();
    const listening = async () =>
      (
        await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`, [
          applicationName,
        ])
      ).length > 0;
    await waitFor("A's feed listens", listening, 20_000);

    const terminateAll = async () => {
      const pids = await backends();
      expect(pids.length).toBeGreaterThan(0);
      await sql(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, [pids]);
    };
    await terminateAll();
    const claimed = right(await agent.getJobForAgent()()) as Job;
    expect(claimed.id).toBe(job.id);
    right(await agent.updateStatus(job.id, { status: 'Running' })());
    const tip = async () => right(await b.system.history(job.id)()).at(-1)!.eventId;
    const heard = async (what: string) => {
      const last = await tip();
      await waitFor(what, () => seen.at(-1)?.eventId === last, 20_000).catch((error: unknown) => {
        throw new Error(`${String(error)}; heard ${seen.map((e) => `${e.version}:${e.type}`).join(', ')}`);
      });
    };
    await heard('A hears of Running after the first cut');
    await waitFor("A's feed listens again", listening, 20_000);

    await terminateAll();
    right(await agent.updateStatus(job.id, { status: 'Completed' })());
    expect(await polled).toEqual({ _tag: 'Right', right: 'Completed' });
    await heard('A hears of Completed');
    stop();

    const log = right(await b.system.history(job.id)());
    const after = log.slice(log.findIndex((e) => e.eventId === seen[0]?.eventId));
    expect(seen.map((e) => `${e.version}:${e.type}`)).toEqual(after.map((e) => `${e.version}:${e.type}`));
    expect(seen.map((e) => e.type)).toContain('JobStatusChanged');
    console.log(`live feed on Postgres: ${JSON.stringify(a.feed.stats())}`);
    await a.close()();
    await b.close()();
  }, 120_000);
});
