import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import {
  foldProjection,
  jobProjectionPayload,
  projectionJson,
} from '../../../src/adapters/postgres/postgresProjection.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import type { JobState } from '../../../src/domain/jobState.js';
import { isNoJobResponse } from '../../../src/domain/model.js';
import { jobIdOfStream, type StoredEvent } from '../../../src/domain/storedEvent.js';
import { describePg, freshSchema, pgStores, pgUrl, sql } from './pgTestServer.js';
import { right } from './results.js';

/** A day of work in a memory ledger: the events to replay, in the order they were written. */
const workload = async (jobs: number): Promise<StoredEvent[]> => {
  let tick = Date.parse('2026-03-01T00:00:00.000Z');
  const ledger = createJobLedger({ store: memoryEventStore(), clock: () => new Date((tick += 1000)) });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const agent = ledger.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });
  for (let i = 0; i < jobs; i++) {
    const job = right(await alice.createJob({ function: { id: 'fn-1' }, file: { name: `p-${i}.json` } })());
    if (i % 5 === 0) right(await alice.addComment(job.id, { content: `note ${i}` })());
  }
  for (let i = 0; i < jobs * 0.8; i++) {
    const job = right(await agent.getJobForAgent()());
    if (isNoJobResponse(job)) break;
    right(await agent.updateStatus(job.id, { status: 'Running' })());
    right(await agent.updateStatus(job.id, { status: i % 4 === 0 ? 'Failed' : 'Completed' })());
  }
  const events: StoredEvent[] = [];
  for await (const e of ledger.store.readAll()) events.push(e);
  return events;
};

describePg('a writer killed mid-load', () => {
  const stores = pgStores();
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-pg-kill-'));
  afterAll(async () => {
    await stores.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL while appending: every acknowledged append is in the log, and the ledger verifies', async () => {
    const schema = freshSchema('killed');
    const store = stores.open(schema);
    await store.migrate();
    const events = await workload(150);

    // One append per event, sealed and projected here exactly as the store would (same hashes, same payloads).
    const projected = new Map<string, JobState | undefined>();
    const lines = events.map((e) => {
      const jobId = jobIdOfStream(e.streamId)!;
      const before = projected.get(jobId);
      const after = foldProjection(before, [e]);
      projected.set(jobId, after);
      return JSON.stringify({
        streamId: e.streamId,
        eventId: e.eventId,
        expected: e.version === 0 ? 'no-stream' : String(e.version - 1),
        tip: e.version - 1,
        events: JSON.stringify([
          {
            version: e.version,
            eventId: e.eventId,
            type: e.type,
            schemaVersion: e.schemaVersion,
            data: e.data,
            metadata: e.metadata,
          },
        ]),
        projection:
          after === undefined || after === before
            ? null
            : projectionJson([jobProjectionPayload(jobId, before, after)]),
      });
    });
    const file = join(dir, 'appends.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./killedWriterChild.mjs', import.meta.url)), pgUrl, schema, file, '4'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acked: string[] = [];
    let stderr = '';
    let buffered = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) if (line.startsWith('ack ')) acked.push(line.slice(4));
      // Kill it in the middle of the load, with appends in flight on every connection.
      if (acked.length >= lines.length * 0.4 && child.exitCode === null) child.kill('SIGKILL');
    });
    const signal = await exited;
    expect(signal, `the writer finished before it was killed; stderr: ${stderr}`).toBe('SIGKILL');
    expect(acked.length).toBeLessThan(lines.length);

    // Every acknowledged append is there ...
    const stored = await sql<{ event_id: string }>(
      `SELECT event_id FROM "${schema}".events WHERE event_id = ANY($1::text[])`,
      [acked],
    );
    expect(stored).toHaveLength(acked.length);
    // ... each stream holds a prefix of what was meant for it, nothing half-written ...
    const log: StoredEvent[] = [];
    for await (const e of store.readAll()) log.push(e);
    expect(log.length).toBeGreaterThanOrEqual(acked.length);
    const meant = new Map<string, string[]>();
    for (const e of events) meant.set(e.streamId, [...(meant.get(e.streamId) ?? []), e.eventId]);
    const got = new Map<string, string[]>();
    for (const e of log) got.set(e.streamId, [...(got.get(e.streamId) ?? []), e.eventId]);
    for (const [streamId, ids] of got) expect(ids).toEqual(meant.get(streamId)!.slice(0, ids.length));
    // ... the hash chains and the status machine hold ...
    const ledger = createJobLedger({ store });
    expect(right(await ledger.verify()())).toMatchObject({ ok: true, events: log.length, problems: [] });
    // ... the projections match the log ...
    const incremental = await store.readModel.dump();
    await store.rebuildReadModel();
    expect(await store.readModel.dump()).toEqual(incremental);
    // ... and work goes on where the writer stopped.
    const agent = ledger.as({ kind: 'agent', id: 'agent-2', tenantId: 't1' });
    const next = right(await agent.getJobForAgent()());
    if (!isNoJobResponse(next)) right(await agent.updateStatus(next.id, { status: 'Running' })());
  }, 60_000);
});
