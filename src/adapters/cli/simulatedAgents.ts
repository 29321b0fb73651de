import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import { createWorker } from '../../app/worker/createWorker.js';
import type { Worker } from '../../app/worker/workerTypes.js';
import type { JobError } from '../../domain/errors.js';
import type { JobStatusName } from '../../domain/JobStatusName.js';

/** Where a simulated agent dies holding a job (its lease then expires). */
export type CrashPoint = 'Validating' | 'Running' | 'Uploading';
const crashPoints: readonly CrashPoint[] = ['Validating', 'Running', 'Uploading'];

/**
 * What happens to one job when an agent works on it, drawn when the job is created so that the same seed makes
 * the same choices whichever agent claims it. `crash[r]` is where the agent dies in round r+1 (nobody crashes
 * from the third round on).
 */
export interface JobFate {
  readonly crash: readonly (CrashPoint | undefined)[];
  readonly release: boolean;
  readonly failValidation: boolean;
  readonly heartbeat: boolean;
  readonly failRun: boolean;
  readonly upload: boolean;
}

/** Draws a job's fate; crashes happen at `crashRate` in the first round and half as often in the second. */
export const drawFate = (
  chance: (p: number) => boolean,
  pick: <T>(items: readonly T[]) => T,
  crashRate: number,
): JobFate => ({
  crash: [crashRate, crashRate / 2].map((rate) => (chance(rate) ? pick(crashPoints) : undefined)),
  release: chance(0.03),
  failValidation: chance(0.07),
  heartbeat: chance(0.3),
  failRun: chance(0.05),
  upload: chance(0.8),
});

/** A crashed agent never comes back to this job. */
const never = () => new Promise<never>(() => {});

/** What one round of simulated agents needs from the simulation. @internal */
export interface AgentRound {
  readonly round: number;
  fateOf(jobId: string): JobFate | undefined;
  track(jobId: string, to: JobStatusName): void;
  onRelease(): void;
  onCrash(): void;
  /** True when nothing is left for this round: every job of the run is terminal or held by a crashed agent. */
  settled(crashed: ReadonlySet<string>): boolean;
  /** Settles once no more jobs will be created this round (then the round may end). */
  readonly creationDone: Promise<unknown>;
}

/**
 * One round of the demo's agents, each a {@link createWorker} (concurrency 1) whose validate and handler act out
 * the job's fate: give it back, fail validation, run (with a heartbeat), fail, upload a result, or crash (hang,
 * holding the job, until the round ends; the lease then expires). Resolves when the round has settled, with the
 * first error a worker reported, if any.
 */
export const runSimulatedAgents = (
  agents: readonly JobLedgerSession[],
  round: AgentRound,
): Promise<JobError | Error | undefined> =>
  new Promise((resolve) => {
    const crashed = new Set<string>();
    const releasedOnce = new Set<string>();
    let failure: JobError | Error | undefined;
    let ending = false;
    const check = () => {
      if (failure !== undefined || round.settled(crashed)) end();
    };
    const workers: Worker[] = [];
    /** An agent's process: when it crashes holding a job, the agent restarts (a new worker) and goes on. */
    const startAgent = (session: JobLedgerSession) => {
      const crashesAt = (jobId: string, at: CrashPoint) => {
        if (round.fateOf(jobId)?.crash[round.round - 1] !== at) return false;
        crashed.add(jobId);
        round.onCrash();
        if (!ending) startAgent(session);
        queueMicrotask(check);
        return true;
      };
      const worker = createWorker({
        session,
        shutdownGraceMs: 0,
        abortedHandlerWaitMs: 0,
        validate: async (job, ctx) => {
          round.track(job.id, 'Validating');
          const fate = round.fateOf(job.id);
          if (fate?.release === true && !releasedOnce.has(job.id)) {
            releasedOnce.add(job.id);
            round.onRelease();
            return ctx.release('agent draining for maintenance: job given back');
          }
          if (crashesAt(job.id, 'Validating')) return never();
          if (fate?.failValidation === true)
            throw new Error('invalid parameters: "steps" must be at most 500');
        },
        handler: async (job, ctx) => {
          round.track(job.id, 'Running');
          const fate = round.fateOf(job.id);
          if (fate?.heartbeat === true) await ctx.heartbeat();
          if (crashesAt(job.id, 'Running')) return never();
          if (fate?.failRun === true) throw new Error('function exited with code 137 (out of memory)');
          if (fate?.upload !== false) {
            await ctx.uploadResult(JSON.stringify({ job: job.id, score: 0.93 }), { name: 'result.json' });
            round.track(job.id, 'Uploading');
            if (crashesAt(job.id, 'Uploading')) return never();
          }
          return { message: 'result uploaded' };
        },
      });
      worker.on('claimed', (job) => round.track(job.id, 'Claimed'));
      worker.on('released', (job) => (round.track(job.id, 'Pending'), check()));
      worker.on('completed', (job) => (round.track(job.id, 'Completed'), check()));
      worker.on('failed', (job) => (round.track(job.id, 'Failed'), check()));
      worker.on('error', (error) => {
        failure ??= error;
        check();
      });
      workers.push(worker.start());
    };
    const end = () => {
      if (ending) return;
      ending = true;
      void Promise.all(workers.map((w) => w.stop())).then(() => resolve(failure));
    };
    for (const session of agents) startAgent(session);
    void round.creationDone.then(check, check);
  });
