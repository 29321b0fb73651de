// Section 3: rebuildProjections events/s over a large log vs a raw scan + JSON.parse of the same rows with
// better-sqlite3; verify events/s.
import path from 'node:path';
import Database from 'better-sqlite3';
import { now, progress, removeDir, tempDir } from '../lib/measure.mjs';
import { eventTemplates, loadJobledger, need, openSqliteStore } from '../lib/ours.mjs';
import { seedJobs } from '../lib/seed.mjs';

const SECTION = 'rebuild';

/** Reads every event row in position order and parses data and metadata: the floor of any replay. */
const rawScan = (file) => {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare(
      'SELECT position, stream_id, version, event_id, type, schema_version, data, metadata FROM events ORDER BY position',
    );
    let count = 0;
    let sink = 0;
    const t0 = now();
    for (const r of rows.iterate()) {
      const data = JSON.parse(r.data);
      const metadata = JSON.parse(r.metadata);
      sink += r.version + (data === null ? 0 : 1) + metadata.hash.length;
      count++;
    }
    const seconds = (now() - t0) / 1000;
    return { count, seconds, perSecond: count / seconds, sink };
  } finally {
    db.close();
  }
};

export const runRebuild = async (report, config) => {
  const dir = tempDir('rebuild');
  const file = path.join(dir, 'log.db');
  let ledger;
  let seedStore;
  try {
    const mod = need(await loadJobledger(), 'createJobLedger');
    const templates = await eventTemplates();
    const perJob = templates.completed.length;
    const jobs = Math.max(1, Math.ceil(config.events / perJob));

    // Seed with synchronous=normal (only the seeding's speed depends on it), then reopen as a user would.
    seedStore = await openSqliteStore(file, 'normal');
    progress(`${SECTION}: seeding ${jobs} job lifecycles (${perJob} events each)`);
    const seeded = await seedJobs({
      store: seedStore,
      template: templates.completed,
      prefix: 'R',
      jobs,
      label: 'rebuild log',
    });
    await seedStore.close();
    seedStore = undefined;
    report.measure({
      section: SECTION,
      id: 'rebuild.seed',
      label: `seed: store.append, group-committed (${perJob}-event lifecycles)`,
      value: seeded.perSecond,
      unit: 'events/s',
      detail: `${seeded.events} events, ${seeded.jobs} jobs in ${seeded.seconds.toFixed(1)} s (setup)`,
    });

    progress(`${SECTION}: raw scan + JSON.parse of ${seeded.events} rows`);
    const raw = rawScan(file);
    report.measure({
      section: SECTION,
      id: 'rebuild.rawScan',
      label: 'raw better-sqlite3 scan + JSON.parse',
      value: raw.perSecond,
      unit: 'events/s',
      detail: `${raw.count} rows in ${raw.seconds.toFixed(2)} s`,
    });

    const store = await openSqliteStore(file, 'full');
    ledger = mod.createJobLedger({ store });
    progress(`${SECTION}: ledger.rebuildProjections()`);
    let t0 = now();
    const rebuilt = await ledger.rebuildProjections()();
    let seconds = (now() - t0) / 1000;
    if (rebuilt._tag !== 'Right')
      throw new Error(`rebuildProjections: ${rebuilt.left._tag}: ${rebuilt.left.message}`);
    const rebuiltEvents = rebuilt.right.events;
    report.measure({
      section: SECTION,
      id: 'rebuild.ledger',
      label: 'ledger.rebuildProjections()',
      value: rebuiltEvents / seconds,
      unit: 'events/s',
      detail:
        `${rebuiltEvents} events in ${seconds.toFixed(2)} s` +
        (rebuiltEvents !== seeded.events ? `; WARNING: the log has ${seeded.events}` : ''),
    });
    report.target({
      id: 'rebuild.vs.rawScan',
      label: 'rebuild / raw scan + JSON.parse',
      ours: rebuiltEvents / seconds,
      baseline: raw.perSecond,
      need: 0.5,
      unit: '/s',
    });

    progress(`${SECTION}: ledger.verify()`);
    t0 = now();
    const verified = await ledger.verify()();
    seconds = (now() - t0) / 1000;
    if (verified._tag !== 'Right') throw new Error(`verify: ${verified.left._tag}: ${verified.left.message}`);
    const v = verified.right;
    report.measure({
      section: SECTION,
      id: 'rebuild.verify',
      label: 'ledger.verify()',
      value: v.events / seconds,
      unit: 'events/s',
      detail:
        `${v.events} events, ${v.streams} streams in ${seconds.toFixed(2)} s; ` +
        (v.ok ? 'ok' : `NOT OK: ${v.problems.length} problems, first: ${JSON.stringify(v.problems[0])}`),
    });
    report.target({
      id: 'rebuild.verify.vs.rawScan',
      label: 'verify / raw scan + JSON.parse',
      ours: v.events / seconds,
      baseline: raw.perSecond,
      need: 0.5,
      unit: '/s',
    });
  } catch (error) {
    report.fail(SECTION, 'rebuild/verify', error);
  } finally {
    try {
      if (ledger) await ledger.close()();
      if (seedStore) await seedStore.close();
    } catch (error) {
      report.fail(SECTION, 'close', error);
    }
    removeDir(dir);
  }
};
