// Section 4: p95 latency of listJobs, first page and a deep keyset page (via nextCursor), over many jobs, on
// SQLite and on Postgres (a database of its own, created for the run and dropped at the end; skipped with a note
// when no server answers at JOBLEDGER_PG_URL).
import path from 'node:path';
import { progress, removeDir, sampleLatency, tempDir } from '../lib/measure.mjs';
import { alice, aliceAdmin, eventTemplates, loadJobledger, need, openSqliteStore } from '../lib/ours.mjs';
import { freshDatabase, pgUnavailable } from '../lib/postgresPeers.mjs';
import { seedJobs } from '../lib/seed.mjs';

const SECTION = 'listing';

export const runListing = async (report, config) => {
  const dir = tempDir('listing');
  try {
    await listingOn(report, config, {
      name: 'SQLite',
      key: '',
      open: () => openSqliteStore(path.join(dir, 'jobs.db'), 'normal'),
    });
  } finally {
    removeDir(dir);
  }
  const why = await pgUnavailable();
  if (why !== undefined) {
    report.note(`${SECTION}: Postgres skipped, no server at JOBLEDGER_PG_URL (${why})`);
    return;
  }
  let db;
  try {
    db = await freshDatabase('listing');
  } catch (error) {
    report.fail(SECTION, 'Postgres database', error);
    return;
  }
  try {
    await listingOn(report, config, {
      name: 'Postgres',
      key: 'pg.',
      open: async () => need(await loadJobledger(), 'openStore').openStore(`${db.url}?schema=jobledger`),
    });
  } finally {
    await db.drop().catch((error) => report.fail(SECTION, 'drop the Postgres database', error));
  }
};

/** Seeds `config.jobs` jobs into the store `backend.open()` gives, then measures its listings. */
const listingOn = async (report, config, backend) => {
  const { name, key } = backend;
  let ledger;
  let store;
  try {
    const mod = need(await loadJobledger(), 'createJobLedger');
    const templates = await eventTemplates();
    store = await backend.open();
    progress(
      `${SECTION}: seeding ${config.jobs} submitted jobs on ${name} (createJob's ${templates.submitted.length} events each)`,
    );
    const seeded = await seedJobs({
      store,
      template: templates.submitted,
      prefix: 'L',
      jobs: config.jobs,
      label: 'listing jobs',
    });
    report.measure({
      section: SECTION,
      id: `listing.${key}seed`,
      label: `${name} seed: store.append, group-committed (${templates.submitted.length}-event jobs)`,
      value: seeded.perSecond,
      unit: 'events/s',
      detail: `${seeded.events} events, ${seeded.jobs} jobs in ${seeded.seconds.toFixed(1)} s (setup)`,
    });
    ledger = mod.createJobLedger({ store });
    const at = config.jobs >= 1_000_000 ? '1M' : `${config.jobs.toLocaleString('en-US')}`;

    for (const [who, principal] of [
      ['owner', alice],
      ['tenant administrator', aliceAdmin],
    ]) {
      const session = ledger.as(principal);
      const list = async (input) => {
        const r = await session.listJobs(input)();
        if (r._tag !== 'Right')
          throw new Error(`listJobs(${JSON.stringify(input)}): ${r.left._tag}: ${r.left.message}`);
        return r.right;
      };
      try {
        const first = await list({});
        if (first.items.length === 0)
          throw new Error(`listJobs as ${who} returned no jobs (total ${first.total})`);
        progress(`${SECTION}: first page as ${who} on ${name}`);
        const firstLat = await sampleLatency({
          op: () => list({}),
          durationMs: config.latencyMs,
          maxSamples: 500,
        });
        const id = `listing.${key}${who === 'owner' ? 'owner' : 'admin'}`;
        report.measure({
          section: SECTION,
          id: `${id}.first`,
          label: `${name} listJobs first page (size 10) as ${who}, ${at} jobs`,
          value: firstLat.p95,
          unit: 'ms',
          p50: firstLat.p50,
          samples: firstLat.samples,
          detail: `p95; p50 ${firstLat.p50.toFixed(2)} ms, max ${firstLat.max.toFixed(1)} ms, ${firstLat.samples} samples; total=${first.total}`,
        });
        report.target({
          id: `${id}.first.p95`,
          label: `${name} listJobs first page p95 (${who}, ${at} jobs)`,
          ours: firstLat.p95,
          need: 5,
          kind: 'max',
          unit: 'ms',
        });

        // The deep page: reach the middle of the listing once with page arithmetic, then page by keyset from
        // the nextCursor found there, as a client scrolling deep would.
        const size = 100;
        const depthPage = Math.max(1, Math.floor(config.jobs / 2 / size));
        progress(`${SECTION}: finding a cursor ${depthPage * size} jobs deep as ${who} on ${name}`);
        const middle = await list({ page: depthPage, size });
        const cursor = middle.nextCursor;
        if (!cursor)
          throw new Error(`page ${depthPage} (size ${size}) has no nextCursor (total ${middle.total})`);
        // The same depth by page arithmetic (page N of size 100), as a client jumping to a page number would.
        const offsetLat = await sampleLatency({
          op: () => list({ page: depthPage, size }),
          durationMs: config.latencyMs,
          maxSamples: 200,
        });
        report.measure({
          section: SECTION,
          id: `${id}.page`,
          label: `${name} listJobs page ${depthPage} (size ${size}) as ${who}`,
          value: offsetLat.p95,
          unit: 'ms',
          p50: offsetLat.p50,
          samples: offsetLat.samples,
          detail: `p95; p50 ${offsetLat.p50.toFixed(2)} ms, max ${offsetLat.max.toFixed(1)} ms, ${offsetLat.samples} samples`,
        });
        const deep = await list({ cursor });
        if (deep.items.length === 0) throw new Error('the deep keyset page is empty');
        const deepLat = await sampleLatency({
          op: () => list({ cursor }),
          durationMs: config.latencyMs,
          maxSamples: 500,
        });
        report.measure({
          section: SECTION,
          id: `${id}.deep`,
          label: `${name} listJobs keyset page ${depthPage * size} jobs deep (size 10) as ${who}`,
          value: deepLat.p95,
          unit: 'ms',
          p50: deepLat.p50,
          samples: deepLat.samples,
          detail: `p95; p50 ${deepLat.p50.toFixed(2)} ms, max ${deepLat.max.toFixed(1)} ms, ${deepLat.samples} samples`,
        });
        report.target({
          id: `${id}.deep.p95`,
          label: `${name} listJobs deep keyset page p95 (${who}, ${at} jobs)`,
          ours: deepLat.p95,
          need: 5,
          kind: 'max',
          unit: 'ms',
        });
      } catch (error) {
        report.fail(SECTION, `${name} listJobs as ${who}`, error);
      }
    }
  } catch (error) {
    report.fail(SECTION, `${name} listing`, error);
  } finally {
    try {
      if (ledger) await ledger.close()();
      else if (store) await store.close();
    } catch (error) {
      report.fail(SECTION, `${name} close`, error);
    }
  }
};
