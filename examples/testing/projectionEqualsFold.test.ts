/**
 * Recipe: your projection equals a fold of the log, for any interleaving of jobs.
 *
 * `jobLogArb()` yields a log as `store.readAll()` would: several valid job streams, interleaved in any order,
 * with global positions. Feed it to your read model event by event, and compare with what folding each job's
 * stream says (`replayLog(log).jobs`). Here the read model counts waiting (Pending) jobs per function — the
 * kind of gauge a dashboard shows.
 *
 * A deliberately broken variant (`decrementsOnlyOnClaim`: it takes a job off the queue only when it is
 * claimed, forgetting that a waiting job can also be canceled or failed) is caught. fast-check shrinks the
 * log to five events: job j1 submitted and then failed while it waited (j2 only waits). As printed, with the
 * hashes and event ids cut short:
 *
 *   Property failed after 2 tests
 *   { seed: 42, path: "1:3:2:2:2:4:5:7:7:5:5:5:5:5:5:5:5:5", endOnFailure: true }
 *   Counterexample: [[
 *     {"eventId":"8092baae-…","streamId":"job-j1","version":0,"type":"JobCreated","schemaVersion":1,
 *      "data":{"jobId":"j1","tenantId":"t1","function":{"id":"fn-1"},"file":{"name":"params.json"},…},
 *      "metadata":{"recordedAt":"2026-01-01T00:00:00.000Z","actor":{"kind":"user","id":"u-2"},"prevHash":"",
 *      "hash":"1b4cc25f…"},"position":"1"},
 *     {…,"streamId":"job-j1","version":1,"type":"JobStatusChanged","data":{"from":"Created","to":"Pending",…},…,"position":"2"},
 *     {…,"streamId":"job-j1","version":2,"type":"JobStatusChanged","data":{"from":"Pending","to":"Failed",…},…,"position":"3"},
 *     {…,"streamId":"job-j2","version":0,"type":"JobCreated",…,"position":"4"},
 *     {…,"streamId":"job-j2","version":1,"type":"JobStatusChanged","data":{"from":"Created","to":"Pending",…},…,"position":"5"}]]
 *   Shrunk 17 time(s)
 *   Got error: AssertionError: expected { 'fn-1': 2 } to deeply equal { 'fn-1': 1 }
 *
 * The last test of this file checks that the broken variant is caught and shrunk to such a log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from 'jobledger';
import { jobLogArb, replayLog } from 'jobledger/testing';

/** Your projection: waiting jobs per function id, updated one event at a time. */
const pendingByFunction = (
  log: readonly StoredEvent[],
  options: { decrementsOnlyOnClaim?: boolean } = {},
): Record<string, number> => {
  const functionOf = new Map<string, string>();
  const counts: Record<string, number> = {};
  for (const event of log) {
    if (event.type === 'JobCreated') {
      const data = event.data as { jobId: string; function: { id: string } };
      functionOf.set(event.streamId, data.function.id);
    }
    if (event.type !== 'JobStatusChanged') continue;
    const { from, to } = event.data as { from: string; to: string };
    const fn = functionOf.get(event.streamId)!;
    const leaves = options.decrementsOnlyOnClaim ? to === 'Claimed' : from === 'Pending';
    if (leaves) counts[fn] = (counts[fn] ?? 0) - 1;
    if (to === 'Pending') counts[fn] = (counts[fn] ?? 0) + 1;
    if (counts[fn] === 0) delete counts[fn];
  }
  return counts;
};

/** What folding each job says: count the jobs whose state is Pending. */
const pendingFromFold = (log: readonly StoredEvent[]): Record<string, number> => {
  const replay = replayLog(log);
  if (!replay.ok) throw new Error(`the log does not replay: ${JSON.stringify(replay.failure)}`);
  const counts: Record<string, number> = {};
  for (const state of replay.jobs.values())
    if (state.status === 'Pending')
      counts[state.job!.function.id] = (counts[state.job!.function.id] ?? 0) + 1;
  return counts;
};

const property = (options: { decrementsOnlyOnClaim?: boolean } = {}) =>
  fc.property(jobLogArb({ jobs: 4, maxSteps: 10 }), (log) => {
    expect(pendingByFunction(log, options)).toEqual(pendingFromFold(log));
  });

describe('recipe: a projection equals a fold of the log, for any interleaving of jobs', () => {
  it('pending jobs per function, kept event by event, equal the fold', () => {
    fc.assert(property(), { numRuns: 100 });
  });

  it('the broken variant (forgets cancels of waiting jobs) is caught and shrunk to one canceled job', () => {
    const result = fc.check(property({ decrementsOnlyOnClaim: true }), { numRuns: 200, seed: 42 });
    expect(result.failed).toBe(true);
    const [log] = result.counterexample!;
    expect(log.length).toBeLessThanOrEqual(6);
    // The shrunk log still holds the bug: a waiting job that left Pending other than by a claim.
    const leftQueue = log.filter(
      (e) => e.type === 'JobStatusChanged' && (e.data as { from: string }).from === 'Pending',
    );
    expect(leftQueue.map((e) => (e.data as { to: string }).to)).toEqual(['Failed']);
    expect(String(result.errorInstance)).toMatch(/expected \{ 'fn-1': 2 \} to deeply equal \{ 'fn-1': 1 \}/);
  });
});
