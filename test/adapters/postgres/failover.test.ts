import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresEventStore } from '../../../src/adapters/postgres/postgresEventStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { isNoJobResponse } from '../../../src/domain/model.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { childOutput } from '../../support/childOutput.js';
import { compiledPackage } from '../../support/compiledPackage.js';
import { describeWith } from '../../support/optionalService.js';
import { waitFor } from './pgTestServer.js';
import { right } from './results.js';
import {
  postgresServerBinaries,
  query,
  startReplicatedPair,
  type ReplicatedPair,
} from './replicatedPostgres.js';

// Issue 17 on a real primary and synchronous standby (replicatedPostgres.ts): writes whose connection is lost
// before or after their commit, and the primary killed under load with the standby promoted (pg_ctl promote right
// after the SIGKILL, as a failover manager would after noticing); four ledger processes on the multi-host URL.
let pair: ReplicatedPair;
let entry: string;
const started: { pair?: ReplicatedPair } = {};

beforeAll(async () => {
  pair = started.pair = await startReplicatedPair();
  await compiledPackage.build();
  entry = pathToFileURL(join(compiledPackage.dist, 'index.js')).href;
}, 180_000);
afterAll(async () => {
  await started.pair?.destroy();
});

/** The backend (pid) of a store's connection that waits on `waitEvent` in a statement calling `fn`. */
const waitingBackend = async (waitEvent: string, fn: string, not?: number): Promise<number> => {
  for (let i = 0; i < 1000; i++) {
    const rows = await query<{ pid: number }>(
      pair.primaryPort,
      `SELECT pid FROM pg_stat_activity WHERE wait_event = $1 AND query LIKE $2 AND pid <> $3`,
      [waitEvent, `%${fn}%`, not ?? 0],
    );
    if (rows[0] !== undefined) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no backend waits on ${waitEvent} in ${fn} within 10 s`);
};

const terminate = (pid: number) => query(pair.primaryPort, 'SELECT pg_terminate_backend($1)', [pid]);

/** A ledger process; its stdout lines as they come. */
const ledgerProcess = (url: string, p: number, pollJob?: string) => {
  const proc = spawn(process.execPath, [fileURLToPath(new URL('./failoverChild.mjs', import.meta.url))], {
    env: {
      ...process.env,
      JOBLEDGER_ENTRY: entry,
      URL: url,
      P: String(p),
      ...(pollJob && { POLL_JOB: pollJob }),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return { p, proc, ...childOutput(proc) };
};
type LedgerProcess = ReturnType<typeof ledgerProcess>;

interface Ack {
  readonly kind: 'created' | 'claimed';
  readonly jobId: string;
  readonly start: number;
  readonly end: number;
  readonly p: number;
}
const acks = (children: readonly LedgerProcess[]): Ack[] =>
  children.flatMap((c) =>
    c.lines
      .filter((l) => l.startsWith('created ') || l.startsWith('claimed '))
      .map((l) => {
        const [kind, jobId, start, end] = l.split(' ');
        return { kind: kind as Ack['kind'], jobId: jobId!, start: Number(start), end: Number(end), p: c.p };
      }),
  );

describeWith(
  postgresServerBinaries,
  'Postgres primary failover (a real primary and synchronous standby)',
  () => {
    it('an append whose connection is lost before it committed is sent again, and stored once', async () => {
      const store = postgresEventStore({ url: pair.multiHostUrl(), schema: 'jl_lost_before', poolSize: 2 });
      const admin = new pg.Client({ connectionString: pair.urlOf(pair.primaryPort) });
      await admin.connect();
      try {
        right(await store.append('s', [{ type: 'N', data: { n: 0 } }], { expected: 'no-stream' })());
        // Writers of the table wait behind this lock (readers do not): the append is on its way, not yet stored.
        await admin.query('BEGIN; LOCK TABLE jl_lost_before.events IN EXCLUSIVE MODE');
        const appending = store.append('s', [{ type: 'N', data: { n: 1 } }], { expected: 0 })();
        const first = await waitingBackend('relation', 'append_events');
        await terminate(first);
        // Not in the log: the store sends the same append again on a new connection, which waits for the lock too.
        await waitingBackend('relation', 'append_events', first);
        await admin.query('COMMIT');
        expect(right(await appending).nextVersion).toBe(2);
        const log: unknown[] = [];
        for await (const e of store.readStream('s')) log.push(e.data);
        expect(log).toEqual([{ n: 0 }, { n: 1 }]);
      } finally {
        await admin.end();
        await store.close();
      }
    }, 30_000);

    it('an append that committed but whose answer was lost is answered from the log, not sent again', async () => {
      // Optimistic appends (one round trip) and appends that decide holding the stream's lock (optimisticAttempts 0).
      const stores = [3, 0].map((optimisticAttempts) =>
        postgresEventStore({
          url: pair.multiHostUrl(),
          schema: 'jl_lost_after',
          poolSize: 2,
          optimisticAttempts,
        }),
      );
      await stores[0]!.migrate();
      // Without its synchronous standby the primary holds every commit until the standby confirms it. A backend
      // ended while it waits has committed locally: the client only sees its connection go.
      await pair.stopStandby();
      try {
        for (const [i, store] of stores.entries()) {
          const appending = store.append(`s-${i}`, [{ type: 'N', data: { i } }], { expected: 'no-stream' })();
          await terminate(await waitingBackend('SyncRep', 'append_events'));
          // Sent again, it would answer WrongExpectedVersion (the stream exists now): it must not be.
          const appended = right(await appending);
          const log: StoredEvent[] = [];
          for await (const e of store.readStream(`s-${i}`)) log.push(e);
          expect(log.map((e) => [e.eventId, e.position])).toEqual([
            [appended.events[0]!.eventId, appended.position],
          ]);
        }
      } finally {
        await pair.startStandby();
        await Promise.all(stores.map((s) => s.close()));
      }
    }, 30_000);

    it('with no writable host, a call fails after failover_timeout with a StoreError that says the failover did not finish', async () => {
      const store = postgresEventStore({
        url: pair.urlOf(pair.standbyPort),
        schema: 'jl_no_primary',
        failoverTimeoutMs: 500,
      });
      try {
        const startedAt = Date.now();
        const r = await store.append('s', [{ type: 'N', data: {} }], { expected: 'no-stream' })();
        expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
        const message = E.isLeft(r) ? r.left.message : '';
        expect(message).toMatch(/the failover did not finish/);
        expect(message).toMatch(/a standby \(in recovery\)/);
        expect(Date.now() - startedAt).toBeLessThan(10_000);
      } finally {
        await store.close();
      }
    }, 30_000);

    it('SIGKILL of the primary under load: 4 processes carry on, nothing acknowledged is lost or done twice', async () => {
      const url = pair.multiHostUrl('target_session_attrs=read-write&failover_timeout=20000');
      const here = postgresEventStore({ url, poolSize: 2 });
      const ledger = createJobLedger({ store: here });
      const children: LedgerProcess[] = [];
      const detail = () =>
        [
          ...children.map((c) => `process ${c.p}: ${c.lines.slice(-5).join(' | ')} ${c.stderr()}`),
          pair.logs(),
        ].join('\n');
      /** `signal`, or a failure naming `what` with the processes' last lines after `ms` (no sleep: a bound). */
      const within = async (what: string, ms: number, signal: Promise<unknown>): Promise<void> => {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms\n${detail()}`)), ms);
        });
        await Promise.race([signal, bound]).finally(() => clearTimeout(timer));
      };
      try {
        // The job a process waits for across the failover; completed afterwards by this process.
        const awaited = await ledger
          .as({ kind: 'user', id: 'u-test', tenantId: 't1' })
          .createJob({ function: { id: 'fn-poll' }, file: { name: 'params.json' } })();
        if (E.isLeft(awaited)) throw new Error(awaited.left.message);
        // This process's own subscriber reads the whole log through the failover.
        const seen: StoredEvent[] = [];
        const subscription = new AbortController();
        const subscribed = (async () => {
          for await (const e of here.subscribe({ signal: subscription.signal })) seen.push(e);
        })();

        for (let p = 0; p < 4; p++)
          children.push(ledgerProcess(url, p, p === 3 ? awaited.right.id : undefined));
        const failed = () => children.flatMap((c) => c.lines.filter((l) => l.startsWith('failed ')));
        const acked = (p: number, after = 0) =>
          acks(children).filter((a) => a.p === p && a.end > after).length;

        // Under load: every process has had commands acknowledged (and the poll has long started).
        const eachAcked = (after: number) =>
          Promise.all(children.map((c) => c.printed(() => acked(c.p, after) >= 15)));
        await within('load before the kill', 30_000, eachAcked(0));
        const killedAt = pair.killPrimary();
        await pair.promoteStandby();
        const promotedAt = Date.now();
        // Every process carries on: commands acknowledged by the new primary in each.
        await within('load after the failover', 30_000, eachAcked(promotedAt));

        // A job completed after the failover wakes the pollJob another process started before it.
        const agent = ledger.as({ kind: 'agent', id: 'agent-poll', tenantId: 't1' });
        const claimed = await agent.getJobForAgent({ functionIds: ['fn-poll'] })();
        if (E.isLeft(claimed) || isNoJobResponse(claimed.right))
          throw new Error(`claim: ${JSON.stringify(claimed)}`);
        expect(E.isRight(await agent.updateStatus(awaited.right.id, { status: 'Running' })())).toBe(true);
        expect(E.isRight(await agent.updateStatus(awaited.right.id, { status: 'Completed' })())).toBe(true);
        await within(
          'the cross-process pollJob',
          20_000,
          children[3]!.printed((lines) => lines.some((l) => /^(polled|failed pollJob) /.test(l))),
        );
        expect(children[3]!.lines.find((l) => l.startsWith('polled '))).toMatch(/^polled Completed /);

        for (const c of children) c.proc.stdin!.end('stop\n');
        expect(await Promise.all(children.map((c) => c.exited)), detail()).toEqual([0, 0, 0, 0]);
        expect(failed(), 'no command failed').toEqual([]);

        const all = acks(children);
        const firstAfter = Math.min(...all.filter((a) => a.end >= promotedAt).map((a) => a.end));
        const waited = all.filter((a) => a.start < promotedAt && a.end >= promotedAt).length;
        console.log(
          `failover: primary SIGKILLed, standby promoted ${promotedAt - killedAt} ms later; outage (kill -> first command acknowledged by the new primary) ${firstAfter - killedAt} ms; ${waited} commands sent before the promotion were answered after it; ${all.length} commands acknowledged in all`,
        );

        // On the new primary alone, as a fresh process would see it.
        const after = createJobLedger({
          store: postgresEventStore({ url: pair.urlOf(pair.standbyPort), poolSize: 2 }),
        });
        try {
          const created = all.filter((a) => a.kind === 'created').map((a) => a.jobId);
          const claims = all.filter((a) => a.kind === 'claimed');
          // Every acknowledged createJob exists ...
          for (const id of created) expect(E.isRight(await after.system.getJob(id)()), id).toBe(true);
          // ... no job was claimed twice, and every claim in the log was acknowledged to its agent ...
          expect(new Set(claims.map((c) => c.jobId)).size).toBe(claims.length);
          const client = new pg.Client({ connectionString: pair.urlOf(pair.standbyPort) });
          await client.connect();
          const { rows } = await client
            .query<{ stream_id: string; agent_id: string; claims: number; created: number }>(
              `SELECT stream_id, max(data->>'agentId') FILTER (WHERE data->>'to' = 'Claimed') AS agent_id,
                    count(*) FILTER (WHERE data->>'to' = 'Claimed')::int AS claims,
                    count(*) FILTER (WHERE type = 'JobCreated')::int AS created
             FROM jobledger.events WHERE stream_id LIKE 'job-%' GROUP BY stream_id`,
            )
            .finally(() => client.end());
          expect(rows.filter((r) => r.claims > 1 || r.created !== 1)).toEqual([]);
          const claimedInLog = rows.filter((r) => r.claims === 1 && r.agent_id !== 'agent-poll');
          expect(new Map(claimedInLog.map((r) => [r.stream_id.slice(4), r.agent_id]))).toEqual(
            new Map(claims.map((c) => [c.jobId, `agent-${c.p}`])),
          );
          // ... nothing was created that no one was told of ...
          expect(rows.length).toBe(created.length + 1);
          // ... the log verifies ...
          const report = await after.verify()();
          expect(report).toMatchObject({ _tag: 'Right', right: { ok: true, problems: [] } });
          // ... and the subscriber that read through the failover saw every event once, in the log's order.
          const log: string[] = [];
          for await (const e of after.store.readAll()) log.push(e.eventId);
          await waitFor('the subscriber catches up', () => seen.length >= log.length, 10_000);
          expect(seen.map((e) => e.eventId)).toEqual(log);
        } finally {
          subscription.abort();
          await subscribed;
          await after.close()();
        }
      } finally {
        for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
        await ledger.close()();
      }
    }, 90_000);
  },
);
