// Section `scale`: costs that must not grow. (1) A heartbeat and a status change on a job whose history holds
// 10, 100, 1,000, 10,000 events (memory, SQLite, Postgres): the largest history may cost at most 1.5x the
// smallest. (2) The event-log growth of an hour of heartbeats (every 20 s, the default lease): 0 events.
// (3) Claim latency p95 with a big Pending backlog (SQLite, Postgres): FIFO, by pool, by function, and a
// function filter that matches nothing, each <= 5 ms. Sizes: BENCH_SCALE_EVENTS (comma list),
// BENCH_SCALE_BACKLOG (SQLite), BENCH_SCALE_PG_BACKLOG (Postgres).
import path from 'node:path';
import { progress, sampleLatency, tempDir } from '../lib/measure.mjs';
import { eventTemplates, loadJobledger, need, openSqliteStore, right } from '../lib/ours.mjs';
import pg from 'pg';
import { seedJobs } from '../lib/seed.mjs';

const SECTION = 'scale';
const pgUrl = process.env.JOBLEDGER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on the Postgres server (undefined result), or answers why it cannot. */
const pgAdmin = async (sql) => {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sql);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
};

const listOf = (text, fallback) =>
  (text ?? fallback)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);

const user = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const holder = { kind: 'agent', id: 'agent-7', tenantId: 't1' };

/** A claimed job whose stream holds about `events` events (property updates appended in batches). */
const jobWithHistory = async (mod, ledger, events) => {
  const job = right(
    await ledger.as(user).createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })(),
    'createJob',
  );
  const streamId = `job-${job.id}`;
  // createJob wrote versions 0 and 1; the claim adds one more: fill up to `events` in between.
  let version = 1;
  const recordedAt = new Date().toISOString();
  for (;;) {
    const n = Math.min(500, events - 1 - (version + 1));
    if (n <= 0) break;
    const batch = Array.from({ length: n }, (_, i) => ({
      type: 'JobPropertiesUpdated',
      data: { displayName: `v${version + i}` },
      metadata: { actor: { kind: 'user', id: user.id }, recordedAt },
    }));
    right(await ledger.store.append(streamId, batch, { expected: version })(), 'append history');
    version += n;
  }
  const claimed = right(await ledger.as(holder).getJobForAgent({})(), 'claim');
  if (claimed.id !== job.id) throw new Error(`claimed ${claimed.id}, expected ${job.id}`);
  return job.id;
};

/** Heartbeat and status-change (release, untimed re-claim) latency on jobs of growing histories. */
const historyCosts = async (report, config, mod, kind, openStore) => {
  const agent = (ledger) => ledger.as(holder);
  const perSize = [];
  for (const events of config.scaleEvents) {
    const store = await openStore(events);
    const ledger = mod.createJobLedger({ store, telemetry: false });
    try {
      progress(`${SECTION}: ${kind}, a job with ${events} events`);
      const id = await jobWithHistory(mod, ledger, events);
      const opts = { durationMs: config.latencyMs, maxSamples: 300 };
      const heartbeat = await sampleLatency({
        ...opts,
        op: async () => right(await agent(ledger).heartbeat(id)(), 'heartbeat'),
      });
      const statusChange = await sampleLatency({
        ...opts,
        // Each sample adds two status changes to the history (and to the job's status history): keep it short.
        maxSamples: 100,
        op: async () => {
          right(await agent(ledger).updateStatus(id, { status: 'Pending' })(), 'release');
          // The release is what is timed; the re-claim adds the same status change back (and is timed too).
          right(await agent(ledger).getJobForAgent({})(), 're-claim');
        },
      });
      let length = 0;
      for await (const _ of ledger.store.readStream(`job-${id}`)) length++;
      perSize.push({ events, heartbeat, statusChange: { ...statusChange, p50: statusChange.p50 / 2 } });
      for (const [what, s] of [
        ['heartbeat', heartbeat],
        ['statusChange', { p50: statusChange.p50 / 2, p95: statusChange.p95 / 2 }],
      ]) {
        report.measure({
          section: SECTION,
          id: `scale.${kind}.${what}.${events}`,
          label: `${what === 'heartbeat' ? 'heartbeat' : 'status change (release + claim)/2'}, ${kind}, ${events} events of history (p50; p95 ${s.p95.toFixed(2)} ms; stream now ${length})`,
          value: s.p50,
          unit: 'ms',
        });
      }
    } finally {
      await ledger.close()();
    }
  }
  const first = perSize[0];
  const last = perSize[perSize.length - 1];
  if (first !== undefined && last !== undefined && last !== first) {
    for (const what of ['heartbeat', 'statusChange']) {
      report.target({
        id: `scale.${kind}.${what}.ratio`,
        label: `${what}, ${kind}: cost at ${last.events} events / at ${first.events} events (p50)`,
        ours: last[what].p50 / first[what].p50,
        need: 1.5,
        kind: 'max',
        unit: 'x',
      });
    }
  }
};

/** Events appended by an hour of heartbeats every 20 s (virtual clock, memory store). */
const heartbeatGrowth = async (report, mod) => {
  let at = Date.parse('2026-01-01T00:00:00.000Z');
  const ledger = mod.createJobLedger({
    store: mod.openStore('memory:'),
    clock: () => new Date(at),
    telemetry: false,
  });
  try {
    const job = right(
      await ledger.as(user).createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })(),
      'createJob',
    );
    right(await ledger.as(holder).getJobForAgent({})(), 'claim');
    right(await ledger.as(holder).updateStatus(job.id, { status: 'Running' })(), 'running');
    const count = async () => {
      let n = 0;
      for await (const _ of ledger.store.readStream(`job-${job.id}`)) n++;
      return n;
    };
    const before = await count();
    for (let i = 0; i < 180; i++) {
      at += 20_000;
      right(await ledger.as(holder).heartbeat(job.id)(), 'heartbeat');
    }
    const grown = (await count()) - before;
    report.measure({
      section: SECTION,
      id: 'scale.heartbeatEventsPerHour',
      label: 'events appended by an hour of heartbeats every 20 s (memory store; SQLite the same)',
      value: grown,
      unit: 'events',
    });
    report.target({
      id: 'scale.heartbeatEventsPerHour',
      label: 'event-log growth per hour of a running job (heartbeats)',
      ours: grown,
      need: 0,
      kind: 'max',
      unit: 'events',
    });
  } finally {
    await ledger.close()();
  }
};

const claimLatency = async (report, config, mod, kind, store, backlog, template) => {
  const ledger = mod.createJobLedger({ store, telemetry: false });
  try {
    progress(`${SECTION}: ${kind}, seeding ${backlog} Pending jobs`);
    // Seed in four groups with their own prefix: fn-1 for anyone, fn-2, fn-1 assigned to pool-a, fn-1 again.
    const quarter = Math.ceil(backlog / 4);
    const shaped = (fn, pool) => {
      const events = JSON.parse(template.text).map((e) =>
        e.type === 'JobCreated'
          ? { ...e, data: { ...e.data, function: { id: fn }, ...(pool && { assignedAgentPoolId: pool }) } }
          : e,
      );
      return { ...template, text: JSON.stringify(events) };
    };
    for (const [prefix, fn, pool] of [
      ['a', 'fn-1'],
      ['b', 'fn-2'],
      ['c', 'fn-1', 'pool-a'],
      ['d', 'fn-1'],
    ]) {
      await seedJobs({
        store,
        template: shaped(fn, pool),
        prefix: `${kind}${prefix}`,
        jobs: quarter,
        label: kind,
      });
    }
    const cases = [
      ['FIFO', { kind: 'agent', id: 'agent-fifo', tenantId: 't1' }, {}],
      ['by pool', { kind: 'agent', id: 'agent-pool', tenantId: 't1', poolIds: ['pool-a'] }, {}],
      ['by function', { kind: 'agent', id: 'agent-fn', tenantId: 't1' }, { functionIds: ['fn-2'] }],
      [
        'function matches nothing',
        { kind: 'agent', id: 'agent-none', tenantId: 't1' },
        { functionIds: ['fn-none'] },
      ],
    ];
    for (const [label, principal, input] of cases) {
      const session = ledger.as(principal);
      const s = await sampleLatency({
        durationMs: config.latencyMs,
        maxSamples: 200,
        op: async () => right(await session.getJobForAgent(input)(), `claim ${label}`),
      });
      report.measure({
        section: SECTION,
        id: `scale.claim.${kind}.${label}`,
        label: `claim p95, ${kind}, ${label}, ${backlog} Pending (p50 ${s.p50.toFixed(2)} ms)`,
        value: s.p95,
        unit: 'ms',
      });
      report.target({
        id: `scale.claim.${kind}.${label}`,
        label: `claim p95 ${kind} ${label} at ${backlog} Pending (target stated at 1M)`,
        ours: s.p95,
        need: 5,
        kind: 'max',
        unit: 'ms',
      });
    }
  } finally {
    await ledger.close()();
  }
};

export const runScale = async (report, config) => {
  let mod;
  try {
    mod = need(await loadJobledger(), 'createJobLedger', 'openStore');
  } catch (error) {
    report.fail(SECTION, 'load jobledger', error);
    return;
  }
  const scaleEvents = listOf(
    process.env.BENCH_SCALE_EVENTS,
    config.quick ? '10,100,1000' : '10,100,1000,10000',
  );
  const backlog = listOf(process.env.BENCH_SCALE_BACKLOG, config.quick ? '20000' : '1000000')[0];
  const pgBacklog = listOf(process.env.BENCH_SCALE_PG_BACKLOG, config.quick ? '5000' : '100000')[0];
  const cfg = { ...config, scaleEvents };
  const dir = tempDir('scale');
  const pgDown = await pgAdmin('SELECT 1');
  const schemas = [];
  // One schema per store opened (the store migrates it), dropped at the end.
  const openPg = async (label) => {
    const schema = `jlbench_${label}_${process.pid}`;
    schemas.push(schema);
    await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    return mod.openStore(`${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`);
  };
  try {
    await heartbeatGrowth(report, mod);
  } catch (error) {
    report.fail(SECTION, 'heartbeat growth', error);
  }
  const stores = [
    ['memory', async () => mod.openStore('memory:')],
    ['sqlite', async (events) => openSqliteStore(path.join(dir, `history-${events}.db`), 'full')],
    ...(pgDown === undefined ? [['postgres', async (events) => openPg(`scale_h${events}`)]] : []),
  ];
  if (pgDown !== undefined)
    report.note(`scale: no Postgres at JOBLEDGER_PG_URL (${pgDown}); Postgres rows skipped`);
  for (const [kind, open] of stores) {
    try {
      await historyCosts(report, cfg, mod, kind, open);
    } catch (error) {
      report.fail(SECTION, `history costs ${kind}`, error);
    }
  }
  try {
    const { submitted } = await eventTemplates();
    await claimLatency(
      report,
      cfg,
      mod,
      'sqlite',
      await openSqliteStore(path.join(dir, 'backlog.db'), 'normal'),
      backlog,
      submitted,
    );
    if (pgDown === undefined)
      await claimLatency(report, cfg, mod, 'postgres', await openPg('scale_claims'), pgBacklog, submitted);
  } catch (error) {
    report.fail(SECTION, 'claim latency', error);
  } finally {
    for (const schema of schemas) await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
};
