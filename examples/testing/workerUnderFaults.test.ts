/**
 * Recipe: property-test your worker's handler under random fault schedules, on virtual time.
 *
 * `createTestLedger({ clock: 'virtual' })` gives a memory ledger whose time moves only when the test says so;
 * `faultScheduleArb()` draws lease expiries, late reports, cancels, agent crashes and store conflicts, and
 * `t.withFaults(agent, schedule)` hands your code a session that suffers them. Whatever the schedule:
 * - no job is left in a leased status (Claimed, Validating, Running, Uploading) once leases are swept:
 *   each is terminal, Unknown (outcome not known) or Pending (to be retried);
 * - no work starts on a job that was already canceled;
 * - no job gets its result uploaded twice.
 *
 * The agent loop below stands in for your handler (claim -> Running -> work -> Uploading -> upload ->
 * Completed); its work waits on the virtual clock, so a run takes milliseconds of real time.
 *
 * A deliberately broken variant, `startsWorkWithoutChecking: true` (it ignores the answer to "Running" and
 * works anyway), is caught, and fast-check shrinks the schedule to the one fault that matters:
 *
 *   Property failed after 2 tests
 *   { seed: 1708, path: "1:1:2:4", endOnFailure: true }
 *   Counterexample: [[{"atCall":6,"fault":{"kind":"cancel"}}]]
 *   Shrunk 3 time(s)
 *   Got error: Error: work started on job 00000000-0000-4000-8000-000000000005 after it was canceled
 *
 * (call 6 is the agent reporting Running on its second job: the cancel strikes just before, the ledger refuses
 * the report with Conflict, and the broken handler starts the work regardless). The last test of this file
 * checks that the broken variant is caught with this counterexample.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNoJobResponse, isTerminalStatus, type JobLedgerSession } from 'jobledger';
import {
  createTestLedger,
  faultScheduleArb,
  isAgentCrash,
  type FaultSchedule,
  type VirtualClock,
} from 'jobledger/testing';

const leaseMs = 30_000;
const workMs = 10_000;
const jobs = 3;
const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' } as const;
const agent = { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: [] } as const;

interface Effects {
  /** When (virtual time) the handler started work on each job: the side effect a real handler would have. */
  readonly started: { readonly jobId: string; readonly at: Date }[];
}

/** Your handler loop: claim a job, run it, upload its result, complete it; give a job up when a report fails. */
const runAgent = async (
  session: JobLedgerSession,
  clock: VirtualClock,
  effects: Effects,
  options: { startsWorkWithoutChecking?: boolean } = {},
): Promise<void> => {
  for (let attempts = 0; attempts < 2 * jobs; attempts++) {
    const claimed = await session.getJobForAgent()();
    if (E.isLeft(claimed) || isNoJobResponse(claimed.right)) return;
    const id = claimed.right.id;
    const running = await session.updateStatus(id, { status: 'Running' })();
    if (E.isLeft(running) && !options.startsWorkWithoutChecking) continue; // canceled, or the lease is gone
    effects.started.push({ jobId: id, at: clock.now() });
    await clock.sleep(workMs); // the work; a real handler would watch ctx.signal here
    const uploading = await session.updateStatus(id, { status: 'Uploading' })();
    if (E.isLeft(uploading)) continue;
    const uploaded = await session.uploadResult(id, { name: 'result.json', content: '{"ok":true}' })();
    if (E.isLeft(uploaded)) continue;
    await session.updateStatus(id, { status: 'Completed' })();
  }
};

/** Runs the agent under `schedule` until it returns or crashes, then lets every lease run out and sweeps. */
const simulate = async (schedule: FaultSchedule, options: { startsWorkWithoutChecking?: boolean } = {}) => {
  const t = createTestLedger({ clock: 'virtual', leaseMs });
  const owner = t.as(alice);
  for (let i = 0; i < jobs; i++) {
    const created = await owner.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
    if (E.isLeft(created)) throw new Error(created.left.message);
  }
  const effects: Effects = { started: [] };
  let finished = false;
  const agentRun = runAgent(t.withFaults(agent, schedule).session, t.clock, effects, options)
    .catch((error: unknown) => {
      if (!isAgentCrash(error)) throw error; // a crash is part of the schedule; anything else is a bug
    })
    .finally(() => (finished = true));
  // Drive virtual time until the agent is done (bounded: a handler that never returns fails the property).
  for (let step = 0; !finished && step < 100; step++) await t.clock.advance(1000);
  expect(finished).toBe(true);
  await agentRun;
  await t.clock.advance(leaseMs + 1);
  await t.expireLeases();
  const log = await t.log();
  await t.close();
  return { log, effects };
};

/** The three properties, checked on the log the simulation left. */
const checkOutcome = ({ log, effects }: Awaited<ReturnType<typeof simulate>>) => {
  const byJob = new Map<string, typeof log>();
  for (const e of log) byJob.set(e.streamId.slice(4), [...(byJob.get(e.streamId.slice(4)) ?? []), e]);
  for (const [jobId, events] of byJob) {
    const statuses = events.filter((e) => e.type === 'JobStatusChanged');
    const last = (statuses.at(-1)?.data as { to: string } | undefined)?.to;
    if (
      last === undefined ||
      !(isTerminalStatus(last as 'Completed') || last === 'Unknown' || last === 'Pending')
    )
      throw new Error(`job ${jobId} was left ${last} after the sweep`);
    const canceled = statuses.find((e) => (e.data as { to: string }).to === 'Canceled');
    const late = effects.started.find(
      (s) => s.jobId === jobId && canceled !== undefined && s.at >= new Date(canceled.metadata.recordedAt),
    );
    if (late !== undefined) throw new Error(`work started on job ${jobId} after it was canceled`);
    const uploads = events.filter((e) => e.type === 'JobFileRevisionAdded').length;
    if (uploads > 1) throw new Error(`job ${jobId} got ${uploads} results uploaded`);
  }
};

const property = (options: { startsWorkWithoutChecking?: boolean } = {}) =>
  fc.asyncProperty(faultScheduleArb({ maxCalls: 14, leaseMs }), async (schedule) =>
    checkOutcome(await simulate(schedule, options)),
  );

describe('recipe: a worker handler under random fault schedules (virtual clock)', () => {
  it('whatever the schedule: nothing left leased, no work after cancel, no result uploaded twice', async () => {
    await fc.assert(property(), { numRuns: 40 });
  });

  it('with no faults, every job completes with one result', async () => {
    const { log } = await simulate([]);
    const completed = log.filter(
      (e) => e.type === 'JobStatusChanged' && (e.data as { to: string }).to === 'Completed',
    );
    expect(completed).toHaveLength(jobs);
    expect(log.filter((e) => e.type === 'JobFileRevisionAdded')).toHaveLength(jobs);
  });

  it('the broken variant (works without checking the Running answer) is caught and shrunk to one cancel', async () => {
    const result = await fc.check(property({ startsWorkWithoutChecking: true }), {
      numRuns: 200,
      seed: 1708,
    });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/work started on job .* after it was canceled/);
    expect(result.counterexample).toEqual([[{ atCall: 6, fault: { kind: 'cancel' } }]]);
  });
});
