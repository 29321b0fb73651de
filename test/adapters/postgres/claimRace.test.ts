import { afterAll, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { isNoJobResponse } from '../../../src/domain/model.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { describePg, freshSchema, pgStores } from './pgTestServer.js';
import { right } from './results.js';

describePg('claims across instances', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  it('8 ledger instances (8 pools) with 2 agents each race for 300 jobs: each is claimed exactly once', async () => {
    const schema = freshSchema('claims');
    // Half the instances decide every command while holding the stream (as on a hot stream), half optimistically.
    const instances = Array.from({ length: 8 }, (_, i) =>
      stores.open(schema, { poolSize: 3, optimisticAttempts: i % 2 === 0 ? 3 : 0 }),
    );
    const ledgers = instances.map((store) => createJobLedger({ store }));
    const total = 300;

    await Promise.all(
      ledgers.map(async (ledger, i) => {
        const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
        for (let k = i; k < total; k += ledgers.length) {
          right(await alice.createJob({ function: { id: `fn-${k % 3}` }, file: { name: `p-${k}.json` } })());
        }
      }),
    );

    const claimedBy = new Map<string, string[]>();
    let completed = 0;
    const deadline = Date.now() + 40_000;
    await Promise.all(
      ledgers.flatMap((ledger, i) =>
        [0, 1].map(async (a) => {
          const agentId = `agent-${i}-${a}`;
          const agent = ledger.as({ kind: 'agent', id: agentId, tenantId: 't1' });
          while (completed < total && Date.now() < deadline) {
            const got = right(await agent.getJobForAgent()());
            if (isNoJobResponse(got)) {
              // Every Pending job is being claimed by someone else right now.
              await new Promise((resolve) => setTimeout(resolve, 5));
              continue;
            }
            claimedBy.set(got.id, [...(claimedBy.get(got.id) ?? []), agentId]);
            right(await agent.updateStatus(got.id, { status: 'Running' })());
            right(await agent.updateStatus(got.id, { status: 'Completed' })());
            completed++;
          }
        }),
      ),
    );

    expect(completed).toBe(total);
    expect(claimedBy.size).toBe(total);
    expect([...claimedBy.values()].filter((agents) => agents.length !== 1)).toEqual([]);

    // The log agrees: one claim per job, and every job ends Completed.
    const log: StoredEvent[] = [];
    for await (const e of instances[5]!.readAll()) log.push(e);
    const claims = new Map<string, number>();
    for (const e of log) {
      if (e.type === 'JobStatusChanged' && (e.data as { to: string }).to === 'Claimed') {
        claims.set(e.streamId, (claims.get(e.streamId) ?? 0) + 1);
      }
    }
    expect(claims.size).toBe(total);
    expect([...claims.values()].every((n) => n === 1)).toBe(true);
    const page = right(await ledgers[2]!.system.listJobs({ size: 100, status: 'Completed' })());
    expect(page.total).toBe(total);

    // The same events in a memory store give the same read model, and the same hashes.
    const memory = memoryEventStore();
    for (const e of log) {
      const { hash: _hash, prevHash: _prev, ...metadata } = e.metadata;
      const r = await memory.append(
        e.streamId,
        [{ eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata }],
        { expected: e.version === 0 ? 'no-stream' : e.version - 1 },
      )();
      expect(right(r).events[0]!.metadata.hash).toBe(e.metadata.hash);
    }
    const incremental = await instances[0]!.readModel.dump();
    expect(incremental.jobs).toEqual((await memory.readModel.dump()).jobs);

    // Rebuilding from the log gives the read model the appends maintained; the ledger verifies.
    await instances[1]!.rebuildReadModel();
    expect(await instances[0]!.readModel.dump()).toEqual(incremental);
    expect(right(await ledgers[4]!.verify()())).toMatchObject({ ok: true, streams: total, problems: [] });
  }, 60_000);
});
