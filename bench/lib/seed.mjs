// Seeds a jobledger SQLite store with real events fast: each job's events (from a template the ledger itself
// wrote, see eventTemplates) are appended through the store's own `append`, thousands of appends fired in the
// same tick so that the store's group commit puts them in one transaction (with their projections).
import { now, progress } from './measure.mjs';
import { instantiate } from './ours.mjs';

export const seedJobs = async ({ store, template, prefix, jobs, batch = 2000, label }) => {
  const base = Date.parse('2025-01-01T00:00:00.000Z');
  const t0 = now();
  let lastReport = t0;
  let events = 0;
  for (let k = 0; k < jobs; k += batch) {
    const pending = [];
    for (let j = k; j < Math.min(jobs, k + batch); j++) {
      // 10 ms apart: every job has its own `created`, and its events follow 1 ms apart.
      const { streamId, events: evs } = instantiate(template, prefix, j, base + j * 10);
      events += evs.length;
      pending.push(store.append(streamId, evs, { expected: 'no-stream' })());
    }
    const results = await Promise.all(pending);
    const bad = results.find((r) => r._tag !== 'Right');
    if (bad !== undefined)
      throw new Error(`seeding ${label}: append failed: ${bad.left._tag}: ${bad.left.message}`);
    if (now() - lastReport > 5000) {
      lastReport = now();
      const done = Math.min(jobs, k + batch);
      progress(`${label}: ${done}/${jobs} jobs, ${Math.round(events / ((now() - t0) / 1000))} events/s`);
    }
  }
  const seconds = (now() - t0) / 1000;
  return { jobs, events, seconds, perSecond: events / seconds };
};
