import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { copyCommand } from '../../src/adapters/cli/copyCommand.js';
import { demoCommand } from '../../src/adapters/cli/demoCommand.js';
import { createJobLedger, createUpcasterRegistry, foldJobStream, openStore } from '../../src/index.js';
import { harness } from '../adapters/cli/cliHarness.js';
import { jobLogArb, replayLog, runScenario, toStoredEvents } from '../../src/testing.js';

const agent = { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: [] } as const;
/** A job that is created, claimed, run and completed: five events. */
const completedJob = (jobId: string) =>
  runScenario({
    creator: { kind: 'user', id: 'u-1', tenantId: 't1' },
    create: { type: 'CreateJob', jobId, tenantId: 't1', function: { id: 'fn-1' }, file: { name: 'p.json' } },
    steps: [
      { principal: agent, command: { type: 'ClaimJob' }, advanceMs: 1000 },
      { principal: agent, command: { type: 'ChangeStatus', to: 'Running' }, advanceMs: 1000 },
      { principal: agent, command: { type: 'ChangeStatus', to: 'Completed' }, advanceMs: 1000 },
    ],
  }).events;

describe('replayLog', () => {
  it('replays every job of an interleaved log to the state its own stream folds to', () => {
    fc.assert(
      fc.property(jobLogArb({ jobs: 3, maxSteps: 8 }), (log) => {
        const replay = replayLog(log);
        expect(replay.ok).toBe(true);
        expect(replay.replayed).toBe(log.length);
        for (const [jobId, state] of replay.jobs) {
          const own = foldJobStream(log.filter((e) => e.streamId === `job-${jobId}`));
          expect(own).toEqual({ _tag: 'Right', right: state });
        }
      }),
      { numRuns: 30 },
    );
  });

  it('names the first event that does not replay, by position, and keeps the states before it', () => {
    const first = toStoredEvents(completedJob('first'));
    const second = toStoredEvents(completedJob('second'), { firstPosition: 100 });
    // The second job's event at version 1 went missing in an export.
    const log = [...first, second[0]!, ...second.slice(2)];
    const replay = replayLog(log);
    expect(replay.ok).toBe(false);
    expect(replay.failure).toMatchObject({
      position: '102',
      index: first.length + 1,
      streamId: 'job-second',
      version: 2,
      kind: 'version-gap',
    });
    expect(replay.replayed).toBe(first.length + 1);
    expect(replay.jobs.get('second')?.version).toBe(0);
    expect(replay.jobs.get('first')).toEqual(replayLog(first).jobs.get('first'));
  });

  it('reports an event newer than this jobledger as a decode failure', () => {
    const events = toStoredEvents(completedJob('j'));
    const log = events.map((e, i) => (i === 1 ? { ...e, schemaVersion: 99 } : e));
    expect(replayLog(log, { checkHashes: false }).failure).toMatchObject({
      position: '2',
      kind: 'decode-failure',
      detail: expect.stringMatching(/newer than this jobledger understands/),
    });
  });

  it('reports a tampered event as a hash mismatch, unless hashes are not checked', () => {
    const events = toStoredEvents(completedJob('j'));
    const tampered = events.map((e, i) =>
      i === 0 ? { ...e, data: { ...(e.data as object), file: { name: 'other.json' } } } : e,
    );
    expect(replayLog(tampered).failure).toMatchObject({ version: 0, kind: 'hash-mismatch' });
    expect(replayLog(tampered, { checkHashes: false }).ok).toBe(true);
  });

  it('replays an old schema version through the upcasters given (the migration under test)', () => {
    const events = toStoredEvents(completedJob('j'));
    // Pretend JobCreated was once written as v0 with `fn` instead of `function`.
    const old = events.map((e) => {
      if (e.type !== 'JobCreated') return e;
      const { function: fn, ...data } = e.data as { function: unknown };
      return { ...e, schemaVersion: 0, data: { ...data, fn } };
    });
    expect(replayLog(old, { checkHashes: false }).failure).toMatchObject({
      kind: 'decode-failure',
      version: 0,
    });
    const upcasters = createUpcasterRegistry();
    upcasters.register('JobCreated', 0, (data) => {
      const { fn, ...rest } = data as { fn: unknown };
      return { ...rest, function: fn };
    });
    const replay = replayLog(old, { checkHashes: false, upcasters });
    expect(replay.ok).toBe(true);
    expect(replay.jobs.get('j')).toEqual(replayLog(events).jobs.get('j'));
  });

  describe('on a real exported log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobledger-replay-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads store.readAll() of a SQLite file (async) and replays it', async () => {
      const store = openStore(`sqlite:${join(dir, 'audit.db')}`);
      const log = fc.sample(jobLogArb({ jobs: 3, maxSteps: 6 }), { numRuns: 1, seed: 5 })[0]!;
      for (const e of log) {
        const r = await store.append(e.streamId, [e], {
          expected: e.version === 0 ? 'no-stream' : e.version - 1,
        })();
        expect(r._tag).toBe('Right');
      }
      const replay = await replayLog(store.readAll());
      await store.close();
      expect(replay).toMatchObject({ ok: true, replayed: log.length });
      expect(replay.jobs).toEqual(replayLog(log).jobs);
    });

    it('replays what `jobledger copy --to` exported, to the states the ledger shows', async () => {
      const from = `sqlite:${join(dir, 'live.db')}`;
      const to = `sqlite:${join(dir, 'export.db')}`;
      const h = harness();
      expect(await demoCommand(['--jobs', '12', '--store', from], h.io)).toBe(0);
      expect(await copyCommand(['--from', from, '--to', to], h.io)).toBe(0);
      const exported = openStore(to);
      const replay = await replayLog(exported.readAll());
      await exported.close();
      expect(replay).toMatchObject({ ok: true, skipped: 0 });
      expect(replay.jobs.size).toBe(12);
      const ledger = createJobLedger({ store: openStore(from), telemetry: false });
      for (const [jobId, state] of replay.jobs) {
        const live = await ledger.system.getJob(jobId)();
        expect(live).toEqual({ _tag: 'Right', right: state.job });
      }
      await ledger.close()();
    });
  });
});
