import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { postgresNames } from '../../../src/adapters/postgres/migrations.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import type { Job } from '../../../src/domain/model.js';
import { describePg, freshSchema, pgStores, pgUrl, sql, waitFor } from './pgTestServer.js';
import { right } from './results.js';

describePg('pollJob across instances', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('a pollJob waiting in instance A is woken by the notification of B completing the job, long before A would poll', async () => {
    const schema = freshSchema('poll');
    const applicationName = `jl-poll-a-${process.pid}-${Date.now()}`;
    // A learns of B's appends only through LISTEN/NOTIFY: its polling is slowed to a minute, three times the
    // wait below, so a poll that resolves was woken by a notification.
    const pollIntervalMs = 60_000;
    const a = createJobLedger({ store: stores.open(schema, { applicationName, pollIntervalMs }) });
    const b = createJobLedger({ store: stores.open(schema) });
    const aliceOnA = a.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
    const agentOnB = b.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });

    // B's notifications, counted on a connection of our own that listens on the same channel as A.
    const listener = new pg.Client({ connectionString: pgUrl });
    await listener.connect();
    let notifications = 0;
    listener.on('notification', () => notifications++);
    await listener.query(`LISTEN "${postgresNames(schema).channel}"`);

    // A's subscriber has read the job's stream after `since` (a server time) and waits: its read statement
    // finished (the connection is idle again). Only the subscriber runs `read_after`.
    const subscriberWaits = async (since: Date): Promise<boolean> =>
      (
        await sql(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'
             AND query LIKE '%read_after%' AND state_change > $2`,
          [applicationName, since],
        )
      ).length > 0;

    try {
      for (let round = 0; round < 3; round++) {
        const job = right(await aliceOnA.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })());
        const claimed = right(await agentOnB.getJobForAgent()()) as Job;
        expect(claimed.id).toBe(job.id);
        right(await agentOnB.updateStatus(job.id, { status: 'Running' })());

        const since = (await sql<{ now: Date }>('SELECT clock_timestamp() AS now'))[0]!.now;
        const polled = aliceOnA.pollJob(job.id, { timeoutMs: pollIntervalMs / 3 })();
        await waitFor(
          `round ${round}: A's subscriber has read and waits`,
          () => subscriberWaits(since),
          20_000,
        );

        right(await agentOnB.updateStatus(job.id, { status: 'Completed' })());
        // B notifies after its commit, so not before this line runs.
        const before = notifications;
        // A read nothing after Running and reads again only when woken: Completed comes from the notification.
        expect(await polled).toEqual(E.right('Completed'));
        await waitFor(`round ${round}: B's notification`, () => notifications > before, 20_000);
      }
    } finally {
      await listener.end();
    }
  }, 120_000);
});
