import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadlineExceededError, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { copyEventLog, streamTips } from '../../../src/adapters/cli/copyEventLog.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { isNoJobResponse } from '../../../src/domain/model.js';
import { kurrentdbEventStore } from '../../../src/adapters/kurrentdb/kurrentdbEventStore.js';
import { parseKurrentdbUrl } from '../../../src/adapters/kurrentdb/kurrentdbUrl.js';
import { openKurrentStore } from '../../../src/adapters/kurrentdb/openKurrentStore.js';
import { sqliteFeedReadModel } from '../../../src/adapters/kurrentdb/sqliteFeedReadModel.js';
import { compareKurrent } from './recording.js';
import { dropSchema, freshSchema, pgUrl } from '../postgres/pgTestServer.js';
import { eventStoreContract } from '../../../src/testing/eventStoreContract.js';
import { ok, smallJob, testLedger } from '../../app/support.js';
import { describeWith, type OptionalService } from '../../support/optionalService.js';

/**
 * Against a real KurrentDB server only: set JOBLEDGER_KURRENTDB_URL (for instance
 * `kurrentdb://localhost:2113?tls=false`, a server started with
 * `docker run --rm -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb:latest --insecure`).
 */
const url = process.env.JOBLEDGER_KURRENTDB_URL ?? '';
// No KurrentDB server can run on our CI machines (no container engine): these tests stay skipped there too, and
// the closing line of .ci/run names them.
const kurrentdbServer: OptionalService = {
  missing: url === '' ? 'no JOBLEDGER_KURRENTDB_URL' : undefined,
  toRun: 'set JOBLEDGER_KURRENTDB_URL=kurrentdb://host:2113?tls=false to run them against a real server',
  inCi: 'skip',
};

describeWith(kurrentdbServer, 'KurrentDB server tests', () => {
  // The contract's streams are `contract-…` and `swarm-…`; the ledger's `job-…`.
  eventStoreContract('kurrentdb', () => {
    const { connectionString, description } = parseKurrentdbUrl(url);
    return kurrentdbEventStore({
      connectionString,
      description,
      streamPrefixes: ['contract-', 'swarm-', 'job-'],
    });
  });

  describe('openKurrentStore (KurrentDB server, SQLite read model in memory)', () => {
    it('a command is visible in the read model right after it (read your own writes)', async () => {
      const store = openKurrentStore(url);
      try {
        const { alice } = testLedger(store, { ids: () => crypto.randomUUID() });
        const job = await ok(alice.createJob(smallJob));
        expect((await store.readModel.getJob(job.id))?.job?.id).toBe(job.id);
        expect(store.description).not.toContain('@');
      } finally {
        await store.close();
      }
    }, 60_000);
  });

  // The server keeps what earlier runs wrote: each run works in its own tenant and function.
  describe('ledger instances on one KurrentDB server', () => {
    const run = randomUUID().slice(0, 8);
    const tenantId = `t-${run}`;
    const fn = `fn-${run}`;
    const open = (n: number) =>
      Array.from({ length: n }, () => {
        const store = openKurrentStore(url);
        return { store, ledger: createJobLedger({ store }) };
      });
    const must = <A>(r: { _tag: 'Left'; left: { message: string } } | { _tag: 'Right'; right: A }): A => {
      if (r._tag === 'Left') throw new Error(r.left.message);
      return r.right;
    };

    it('4 instances with 2 agents each race for 40 jobs: each is claimed exactly once (expected revisions)', async () => {
      const instances = open(4);
      try {
        const alice = instances[0]!.ledger.as({ kind: 'user', id: 'u-alice', tenantId });
        for (let k = 0; k < 40; k++)
          must(await alice.createJob({ function: { id: fn }, file: { name: `p-${k}.json` } })());
        const claimedBy = new Map<string, string[]>();
        let completed = 0;
        const deadline = Date.now() + 60_000;
        await Promise.all(
          instances.flatMap(({ ledger }, i) =>
            [0, 1].map(async (a) => {
              const agentId = `agent-${i}-${a}`;
              const agent = ledger.as({ kind: 'agent', id: agentId, tenantId });
              while (completed < 40 && Date.now() < deadline) {
                const got = must(await agent.getJobForAgent({ functionIds: [fn] })());
                if (isNoJobResponse(got)) {
                  await new Promise((resolve) => setTimeout(resolve, 20));
                  continue;
                }
                claimedBy.set(got.id, [...(claimedBy.get(got.id) ?? []), agentId]);
                must(await agent.updateStatus(got.id, { status: 'Running' })());
                must(await agent.updateStatus(got.id, { status: 'Completed' })());
                completed++;
              }
            }),
          ),
        );
        expect(completed).toBe(40);
        expect([...claimedBy.values()].filter((agents) => agents.length !== 1)).toEqual([]);
        const verified = must(await instances[1]!.ledger.verify()());
        expect(verified.problems.filter((p) => p.streamId.startsWith('job-'))).toEqual([]);
      } finally {
        await Promise.all(instances.map(({ store }) => store.close()));
      }
    }, 120_000);

    it('copy moves a ledger into the cluster with its history and hashes (jobledger copy --to kurrentdb://)', async () => {
      const source = memoryEventStore();
      const local = createJobLedger({ store: source });
      const alice = local.as({ kind: 'user', id: 'u-alice', tenantId });
      for (let k = 0; k < 5; k++) {
        const job = must(
          await alice.createJob({ function: { id: `${fn}-copy` }, file: { name: `c-${k}.json` } })(),
        );
        must(await alice.addComment(job.id, { content: `note ${k}` })());
      }
      const [target] = open(1);
      try {
        const copied = must(await copyEventLog(source, target!.store));
        expect(copied.events).toBe(15);
        const tips = await streamTips(target!.store, new Set(copied.tips.keys()));
        for (const [streamId, tip] of copied.tips) expect(tips.get(streamId)).toEqual(tip);
      } finally {
        await target!.store.close();
        await local.close()();
      }
    }, 60_000);

    it('a pollJob in one instance (projections in Postgres) wakes from the subscription when another completes the job', async () => {
      const schema = freshSchema('kurrent_views');
      const views = encodeURIComponent(`${pgUrl}?schema=${schema}`);
      const storeA = openKurrentStore(`${url}${url.includes('?') ? '&' : '?'}projections=${views}`);
      const a = { store: storeA, ledger: createJobLedger({ store: storeA }) };
      const [b] = open(1);
      try {
        const alice = a.ledger.as({ kind: 'user', id: 'u-alice', tenantId });
        const job = must(
          await alice.createJob({ function: { id: `${fn}-poll` }, file: { name: 'p.json' } })(),
        );
        const agent = b!.ledger.as({ kind: 'agent', id: 'agent-poll', tenantId });
        const waiting = alice.pollJob(job.id, { timeoutMs: 30_000 })();
        // B's read model learns of the job through its own subscription: claim until it shows up.
        let claimed = must(await agent.getJobForAgent({ functionIds: [`${fn}-poll`] })());
        for (let i = 0; isNoJobResponse(claimed) && i < 100; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          claimed = must(await agent.getJobForAgent({ functionIds: [`${fn}-poll`] })());
        }
        expect(isNoJobResponse(claimed)).toBe(false);
        must(await agent.updateStatus(job.id, { status: 'Running' })());
        must(await agent.updateStatus(job.id, { status: 'Completed' })());
        // pollJob has no polling fallback (only its timeout timer): it saw the job Pending when it started, so
        // resolving at all means A's subscription delivered B's completion. How fast is the bench's business.
        expect(must(await waiting)).toBe('Completed');
      } finally {
        await Promise.all([a.store.close(), b!.store.close()]);
        await dropSchema(schema);
      }
    }, 60_000);
  });

  // Issue 17's review of the adapter, items 1-4, on the server (offline: kurrentdbAppend.test.ts, logIdentity.test.ts).
  describe('KurrentDB hardening on a server', () => {
    const run = randomUUID().slice(0, 8);
    const sep = url.includes('?') ? '&' : '?';
    // Read when a test runs: without a server the URL is empty (the suite is only collected).
    const server = () => parseKurrentdbUrl(url);
    const must = <A>(r: { _tag: 'Left'; left: { message: string } } | { _tag: 'Right'; right: A }): A => {
      if (r._tag === 'Left') throw new Error(r.left.message);
      return r.right;
    };

    it('a read model whose checkpoint belongs to another log (a reset server) is rebuilt, and sees live events', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jobledger-kurrent-reset-'));
      const views = join(dir, 'views.db');
      // The read model file as another server left it: a checkpoint far past this log's end, another identity.
      const foreign = sqliteFeedReadModel({ file: views, comparePositions: compareKurrent });
      await foreign.saveCheckpoint('999999999999:999999999999');
      await foreign.saveLogIdentity('1:1/00000000-0000-4000-8000-000000000000');
      await foreign.close();
      const resets: string[] = [];
      const store = openKurrentStore(`${url}${sep}projections=sqlite:${views}`, {
        onReadModelReset: (why) => resets.push(why),
      });
      try {
        const { alice } = testLedger(store, { ids: () => crypto.randomUUID() });
        const job = await ok(alice.createJob(smallJob));
        // Read your own writes: the live event reached the read model (past the old checkpoint it never would).
        expect((await store.readModel.getJob(job.id))?.job?.id).toBe(job.id);
        expect(resets).toHaveLength(1);
        expect(resets[0]).toMatch(/the server was reset or is another one/);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it('copy splits a long stream under MaxAppendSize; one event over it is a StoreError that says so', async () => {
      // Streams no feeder reads (not job-…): these events are no ledger's.
      const prefix = `copytest-${run}`;
      const source = memoryEventStore();
      for (let n = 0; n < 12; n++) {
        const appended = await source.append(
          prefix,
          [{ type: 'Note', data: { n, text: 'x'.repeat(200_000) } }],
          {
            expected: n === 0 ? 'no-stream' : n - 1,
          },
        )();
        must(appended);
      }
      const target = kurrentdbEventStore({ ...server(), streamPrefixes: [prefix] });
      try {
        // 2.4 MB in one stream: more than the server's default MaxAppendSize (1 MiB) in one append.
        const copied = must(await copyEventLog(source, target));
        expect(copied.events).toBe(12);
        const read: unknown[] = [];
        for await (const e of target.readStream(prefix)) read.push((e.data as { n: number }).n);
        expect(read).toEqual([...Array(12).keys()]);
        const huge = await target.append(
          `${prefix}-huge`,
          [{ type: 'Note', data: { text: 'x'.repeat(2 << 20) } }],
          {
            expected: 'no-stream',
          },
        )();
        expect(huge).toMatchObject({ _tag: 'Left', left: { _tag: 'StoreError' } });
        expect(huge._tag === 'Left' && huge.left.message).toMatch(/MaxAppendSize/);
      } finally {
        await target.close();
      }
    }, 120_000);

    it('an append whose answer was lost is sent again, identical, and stored once (idempotent write)', async () => {
      const { connectionString, description } = server();
      const real = KurrentDBClient.connectionString(connectionString);
      let lose = 1;
      // The real client, except that the first append's answer never arrives (it was written).
      const lossy = {
        appendToStream: async (...args: Parameters<typeof real.appendToStream>) => {
          const answer = await real.appendToStream(...args);
          if (lose-- > 0) throw new DeadlineExceededError();
          return answer;
        },
        readStream: real.readStream.bind(real),
        readAll: real.readAll.bind(real),
        subscribeToAll: real.subscribeToAll.bind(real),
        dispose: () => real.dispose(),
      };
      const stream = `retrytest-${run}`;
      const store = kurrentdbEventStore({
        connectionString,
        description,
        streamPrefixes: [stream],
        client: lossy,
      });
      try {
        const appended = must(
          await store.append(
            stream,
            [
              { type: 'N', data: { n: 0 } },
              { type: 'N', data: { n: 1 } },
            ],
            {
              expected: 'no-stream',
            },
          )(),
        );
        expect(appended.nextVersion).toBe(2);
        const read: string[] = [];
        for await (const e of store.readStream(stream)) read.push(e.eventId);
        expect(read).toEqual(appended.events.map((e) => e.eventId));
      } finally {
        await store.close();
      }
    }, 60_000);

    it('a client that answers conflicts as values (throwOnAppendFailure=false): a lost race is a WrongExpectedVersion', async () => {
      const stream = `lenienttest-${run}`;
      const { connectionString, description } = server();
      const lenient = KurrentDBClient.connectionString(
        `${connectionString}${connectionString.includes('?') ? '&' : '?'}throwOnAppendFailure=false`,
      );
      const a = kurrentdbEventStore({
        connectionString,
        description,
        streamPrefixes: [stream],
        client: lenient,
      });
      const b = kurrentdbEventStore({ connectionString, description, streamPrefixes: [stream] });
      try {
        must(
          await a.append(
            stream,
            [
              { type: 'N', data: { n: 0 } },
              { type: 'N', data: { n: 1 } },
            ],
            { expected: 'no-stream' },
          )(),
        );
        // b moves the stream on; a still takes version 1 for the tip, and the server refuses its append.
        must(await b.append(stream, [{ type: 'N', data: { n: 2 } }], { expected: 1 })());
        const lost = await a.append(stream, [{ type: 'N', data: { n: 3 } }], { expected: 1 })();
        expect(lost).toMatchObject({ _tag: 'Left', left: { _tag: 'WrongExpectedVersion', actual: 2 } });
        const read: unknown[] = [];
        for await (const e of b.readStream(stream)) read.push((e.data as { n: number }).n);
        expect(read).toEqual([0, 1, 2]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }, 60_000);
  });
});
