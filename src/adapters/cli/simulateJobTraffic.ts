import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import type { JobError } from '../../domain/errors.js';
import { isTerminalStatus, jobStatusNames, type JobStatusName } from '../../domain/JobStatusName.js';
import { currentStatus, type Job } from '../../domain/model.js';
import type { OffsetClock } from './offsetClock.js';
import { seededRandom } from './seededRandom.js';
import { drawFate, runSimulatedAgents, type JobFate } from './simulatedAgents.js';

/** How much traffic to simulate. */
export interface TrafficOptions {
  readonly jobs: number;
  readonly agents: number;
  /** The same seed gives the same choices (crashes, failures, archives). */
  readonly seed: number;
  /** The ledger's lease; the clock skips past it to expire the leases of crashed agents. */
  readonly leaseMs: number;
  readonly onProgress?: (progress: TrafficProgress) => void;
}

/** How far a simulation got; reported after every job created or finished. */
export interface TrafficProgress {
  readonly created: number;
  /** Jobs of this run in a terminal status. */
  readonly finished: number;
  readonly total: number;
}

/** What happened, counted per kind. */
export interface TrafficOutcome {
  /** The jobs of this run by their status at the end. */
  readonly statuses: Readonly<Record<JobStatusName, number>>;
  readonly drafts: number;
  readonly crashes: number;
  readonly releases: number;
  readonly leasesExpired: { readonly toPending: number; readonly toUnknown: number };
  readonly lateReports: number;
  readonly requeued: number;
  readonly archived: number;
  readonly restored: number;
  readonly comments: number;
  readonly rounds: number;
}

const tenantId = 't-demo';
const pool = 'pool-gpu';
const functions = [
  { id: 'fn-render', name: 'render-scene', versionName: 'v3' },
  { id: 'fn-train', name: 'train-adapter', versionName: 'v12' },
  { id: 'fn-score', name: 'score-batch', versionName: 'v1' },
  { id: 'fn-transcode', name: 'transcode-video', versionName: 'v7' },
];
/** Rounds of claim-work-expire at most; from the third on nobody crashes, so a few always suffice. */
const maxRounds = 20;

/** A ledger call refused (`error`), or a step skipped because another call was refused: the simulation stops. */
class Refused {
  constructor(readonly error: JobError | undefined) {}
}

/** Waits for every task; then answers the first refusal's error, rethrows anything else, or answers undefined. */
const settle = async (tasks: readonly Promise<unknown>[]): Promise<JobError | undefined> => {
  const results = await Promise.allSettled(tasks);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const unexpected = failures.find((f) => !(f instanceof Refused));
  if (unexpected !== undefined) throw unexpected;
  return failures.map((f) => (f as Refused).error).find((e) => e !== undefined);
};

/**
 * Simulates a day of work in the ledger, in-process: three users create jobs (a few as drafts, some of those
 * canceled), `agents` agents — each a `createWorker`, the real loop — claim them concurrently and validate, run,
 * upload and complete or fail them (see {@link runSimulatedAgents}). Some agents "crash" holding a job; the clock then skips past the lease and `expireLeases` moves those jobs back to
 * Pending (not started) or to Unknown (started), where the agent reports late or the owner requeues or cancels.
 * Finally the owners comment on some failures and archive (and restore) some finished jobs.
 * Rounds repeat until every job of the run is terminal; from the third round on nobody crashes.
 *
 * @example
 * const outcome = await simulateJobTraffic(ledger, clock, { jobs: 200, agents: 4, seed: 1, leaseMs: 60_000 });
 */
export const simulateJobTraffic = async (
  ledger: JobLedger,
  clock: OffsetClock,
  options: TrafficOptions,
): Promise<E.Either<JobError, TrafficOutcome>> => {
  const { jobs: total, agents: agentCount, leaseMs } = options;
  const random = seededRandom(options.seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const users = ['u-ada', 'u-grace', 'u-linus'].map((id) =>
    ledger.as({ kind: 'user', id, tenantId, email: `${id.slice(2)}@example.com` }),
  );
  const agents = Array.from({ length: agentCount }, (_, i) =>
    ledger.as({ kind: 'agent', id: `agent-${i + 1}`, tenantId, poolIds: [pool] }),
  );

  const status = new Map<string, JobStatusName>();
  const owner = new Map<string, JobLedgerSession>();
  let created = 0;
  let finished = 0;
  const counts = {
    drafts: 0,
    crashes: 0,
    releases: 0,
    lateReports: 0,
    requeued: 0,
    archived: 0,
    restored: 0,
    comments: 0,
    toPending: 0,
    toUnknown: 0,
  };
  const crashRate = 0.06;
  let creating = true;
  /** Set at the first refused call: every loop stops at its next step. */
  let stopped = false;
  /** Each job's fate, drawn in creation order so that the same seed makes the same choices whoever claims it. */
  const fates = new Map<string, JobFate>();

  const progress = () => options.onProgress?.({ created, finished, total });
  const track = (jobId: string, to: JobStatusName) => {
    const from = status.get(jobId);
    // Jobs left Pending by an earlier, interrupted demo may be claimed too; only this run's jobs are counted.
    if (!owner.has(jobId)) return;
    status.set(jobId, to);
    if (isTerminalStatus(to) && (from === undefined || !isTerminalStatus(from))) {
      finished++;
      progress();
    }
  };
  const must = async <T>(task: TE.TaskEither<JobError, T>): Promise<T> => {
    if (stopped) throw new Refused(undefined);
    const result = await task();
    if (E.isLeft(result)) {
      stopped = true;
      throw new Refused(result.left);
    }
    return result.right;
  };
  const tracked = async (task: TE.TaskEither<JobError, Job>): Promise<Job> => {
    const job = await must(task);
    track(job.id, currentStatus(job));
    return job;
  };

  const createJobs = async (user: JobLedgerSession, count: number) => {
    for (let i = 0; i < count; i++) {
      const fn = pick(functions);
      const draft = chance(0.06);
      const job = await must(
        user.createJob({
          function: fn,
          file: {
            name: `params-${created + 1}.json`,
            extension: 'json',
            mime: 'application/json',
            size: 200 + Math.floor(random() * 4000),
          },
          ...(chance(0.5) && { modelId: pick(['model-llama-3-8b', 'model-whisper-large', 'model-sdxl']) }),
          ...(chance(0.1) && { assignedAgentPoolId: pool }),
          ...(draft && { draft: true }),
        }),
      );
      owner.set(job.id, user);
      fates.set(job.id, drawFate(chance, pick, crashRate));
      track(job.id, currentStatus(job));
      created++;
      if (draft) {
        counts.drafts++;
        if (chance(0.3)) await tracked(user.cancelJob(job.id, { message: 'draft discarded' }));
        else await tracked(user.submitJob(job.id));
      }
      progress();
    }
  };

  /** One round of agents: `createWorker`s that run each job as its fate says, until every job has settled. */
  const runAgents = async (round: number, creationDone: Promise<unknown>) => {
    const failure = await runSimulatedAgents(agents, {
      round,
      fateOf: (id) => fates.get(id),
      track,
      onRelease: () => counts.releases++,
      onCrash: () => counts.crashes++,
      settled: (crashed) =>
        !creating && [...owner.keys()].every((id) => crashed.has(id) || isTerminalStatus(status.get(id)!)),
      creationDone,
    });
    if (failure instanceof Error) throw failure;
    if (failure !== undefined) throw new Refused(failure);
  };
  /** The leases of crashed agents run out; the jobs move on, and the ones in Unknown get resolved. */
  const expireLeases = async () => {
    const expired = await must(ledger.expireLeases(clock.skip(leaseMs + 1000)));
    for (const lease of expired) {
      const user = owner.get(lease.jobId);
      // A lease of an earlier run's job expires too (expireLeases is ledger-wide); that is all it needs.
      if (user === undefined) continue;
      track(lease.jobId, lease.to);
      if (lease.to === 'Pending') {
        counts.toPending++;
        continue;
      }
      counts.toUnknown++;
      if (lease.agentId !== null && chance(0.4)) {
        // The agent restarts, finds the result it had produced, and reports late: Unknown -> Completed.
        const agent = ledger.as({ kind: 'agent', id: lease.agentId, tenantId, poolIds: [pool] });
        await tracked(
          agent.updateStatus(lease.jobId, { status: 'Completed', message: 'late report after a restart' }),
        );
        counts.lateReports++;
      } else if (chance(0.8)) {
        await tracked(
          user.updateStatus(lease.jobId, { status: 'Pending', message: 'requeued after the agent was lost' }),
        );
        counts.requeued++;
      } else {
        await tracked(
          user.cancelJob(lease.jobId, { message: 'canceled: the outcome of the lost run is unknown' }),
        );
      }
    }
    return expired.length;
  };

  const tidyUp = async (user: JobLedgerSession) => {
    for (const [jobId, jobOwner] of owner) {
      if (jobOwner !== user) continue;
      const s = status.get(jobId)!;
      if (s === 'Failed' && chance(0.2)) {
        await must(user.addComment(jobId, { content: 'looking into this failure' }));
        counts.comments++;
      }
      if (isTerminalStatus(s) && chance(0.25)) {
        await must(user.archiveJob(jobId, { reason: 'finished work, cleaned up' }));
        counts.archived++;
        if (chance(0.1)) {
          await must(user.restoreJob(jobId, { reason: 'needed again for a report' }));
          counts.restored++;
        }
      }
    }
  };

  const perUser = users.map((_, i) => Math.floor(total / users.length) + (i < total % users.length ? 1 : 0));
  const creators = users.map((user, i) => createJobs(user, perUser[i]!));
  const allCreated = Promise.allSettled(creators).then(() => {
    creating = false;
  });
  let rounds = 0;
  try {
    for (;;) {
      rounds++;
      const refused = await settle([
        runAgents(rounds, allCreated),
        ...(rounds === 1 ? [...creators, allCreated] : []),
      ]);
      if (refused !== undefined) return E.left(refused);
      const expired = await expireLeases();
      const waiting = [...status.values()].some((s) => !isTerminalStatus(s));
      if ((expired === 0 && !waiting) || rounds >= maxRounds) break;
    }
    const refused = await settle(users.map(tidyUp));
    if (refused !== undefined) return E.left(refused);
  } catch (error) {
    if (error instanceof Refused && error.error !== undefined) return E.left(error.error);
    throw error;
  }

  const statuses = Object.fromEntries(jobStatusNames.map((s) => [s, 0])) as Record<JobStatusName, number>;
  for (const s of status.values()) statuses[s]++;
  const { toPending, toUnknown, ...rest } = counts;
  return E.right({ statuses, ...rest, leasesExpired: { toPending, toUnknown }, rounds });
};
