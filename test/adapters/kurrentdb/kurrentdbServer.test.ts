import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { copyEventLog, streamTips } from '../../../src/adapters/cli/copyEventLog.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { isNoJobResponse } from '../../../src/domain/model.js';
import { kurrentdbEventStore } from '../../../src/adapters/kurrentdb/kurrentdbEventStore.js';
import { parseKurrentdbUrl } from '../../../src/adapters/kurrentdb/kurrentdbUrl.js';
import { openKurrentStore } from '../../../src/adapters/kurrentdb/openKurrentStore.js';
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
        const completedAt = Date.now();
        must(await agent.updateStatus(job.id, { status: 'Completed' })());
        expect(must(await waiting)).toBe('Completed');
        expect(Date.now() - completedAt).toBeLessThan(5_000);
      } finally {
        await Promise.all([a.store.close(), b!.store.close()]);
        await dropSchema(schema);
      }
    }, 60_000);
  });
});
