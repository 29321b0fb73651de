import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { isNoJobResponse } from '../../../src/domain/model.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { compiledPackage } from '../../support/compiledPackage.js';
import { describePg, freshSchema, pgStores, pgUrl, sql, waitFor } from './pgTestServer.js';
import { right } from './results.js';

/** What an acknowledgement of the child says must be in the log: one line of killedWriterChild.mjs. */
const inLog = (line: string, log: ReadonlyMap<string, StoredEvent[]>): boolean => {
  const [kind, jobId, detail] = line.split(' ') as [string, string, string | undefined];
  const stream = log.get(`job-${jobId}`) ?? [];
  const data = (e: StoredEvent) => e.data as { to?: string; commentId?: string };
  if (kind === 'created') return stream.some((e) => e.type === 'JobCreated');
  if (kind === 'comment')
    return stream.some((e) => e.type === 'JobCommentAdded' && data(e).commentId === detail);
  return stream.some((e) => e.type === 'JobStatusChanged' && data(e).to === detail);
};

describePg('a writer killed mid-load', () => {
  const stores = pgStores();
  beforeAll(() => compiledPackage.build(), 180_000);
  afterAll(() => stores.cleanup());

  it('SIGKILL while the ledger works: every acknowledged command is in the log, and the ledger verifies', async () => {
    const schema = freshSchema('killed');
    const store = stores.open(schema);
    await store.migrate();
    const url = new URL(pgUrl);
    url.searchParams.set('schema', schema);
    url.searchParams.set('pool_size', '4');
    // Its own name, so the test can tell when the server is done with the killed writer's connections.
    url.searchParams.set('application_name', schema);

    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./killedWriterChild.mjs', import.meta.url)),
        compiledPackage.dist,
        url.toString(),
      ],
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
      acked.push(...complete);
      // Kill it in the middle of the load, with commands in flight from every user and agent.
      if (acked.length >= 300 && child.exitCode === null) child.kill('SIGKILL');
    });
    const signal = await exited;
    expect(signal, `the writer stopped before it was killed; stderr: ${stderr}`).toBe('SIGKILL');
    expect(acked.filter((line) => line.startsWith('status ')).length).toBeGreaterThan(0);
    // A COMMIT the writer sent just before it died still lands: read the log once the server has ended every
    // backend of the killed process (each notices the closed socket and exits), so nothing lands after the read.
    await waitFor(
      'the killed writer’s connections to end',
      async () =>
        (await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [schema])).length === 0,
      30_000,
    );

    // Every acknowledged command is in the log ...
    const log: StoredEvent[] = [];
    for await (const e of store.readAll()) log.push(e);
    const streams = new Map<string, StoredEvent[]>();
    for (const e of log) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
    expect(acked.filter((line) => !inLog(line, streams))).toEqual([]);
    // ... each stream is whole (versions without a gap), its hash chain and the status machine hold ...
    for (const events of streams.values())
      expect(events.map((e) => e.version)).toEqual(events.map((_, v) => v));
    const ledger = createJobLedger({ store });
    expect(right(await ledger.verify()())).toMatchObject({ ok: true, events: log.length, problems: [] });
    // ... the projections match the log ...
    const incremental = await store.readModel.dump();
    await store.rebuildReadModel();
    expect(await store.readModel.dump()).toEqual(incremental);
    // ... and work goes on where the writer stopped.
    const agent = ledger.as({ kind: 'agent', id: 'agent-after', tenantId: 't1' });
    const next = right(await agent.getJobForAgent()());
    if (!isNoJobResponse(next)) right(await agent.updateStatus(next.id, { status: 'Running' })());
  }, 240_000);
});
