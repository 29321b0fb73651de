import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger } from '../../app/createJobLedger.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';
import { clockOf } from './CliIo.js';
import { countAppendedEvents } from './countAppendedEvents.js';
import { defineCommand } from './defineCommand.js';
import { formatTable } from './formatTable.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { offsetClock } from './offsetClock.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';
import { integerOption } from './parseArgs.js';
import { formatCount, progressBar } from './progressBar.js';
import { formatRate, formatSeconds } from './rate.js';
import { simulateJobTraffic } from './simulateJobTraffic.js';

const leaseMs = 60_000;

/**
 * `jobledger demo`: simulated users and agents work through jobs in the store (see {@link simulateJobTraffic}).
 *
 * @example
 * await demoCommand(['--jobs', '50', '--store', 'memory:'], io); // 0, and a summary on io.stdout
 */
export const demoCommand = defineCommand({
  command: 'demo',
  summary: 'simulate users and agents working through jobs, then summarize',
  description:
    'Fills the store with realistic traffic, in this process: users create jobs (some as drafts), K agents claim them concurrently and validate, run, upload, complete or fail them; some agents crash holding a job, whose lease then expires (the clock skips ahead instead of waiting) and the job goes back to Pending or to Unknown; finally some jobs get comments and some are archived. Prints a summary: jobs per status, events written, events/s. Creates the store when it does not exist; adds to it when it does.',
  options: {
    jobs: { type: 'string', value: 'N', description: 'jobs to create, 1 to 1 000 000 (default 200)' },
    agents: { type: 'string', value: 'K', description: 'concurrent agents, 1 to 1 000 (default 4)' },
    seed: {
      type: 'string',
      value: 'S',
      description: 'the random seed: the same seed makes the same choices (default 1)',
    },
    store: storeOption,
  },
  run: async ({ values }, io) => {
    const jobs = integerOption('jobs', values.jobs ?? '200', 1, 1_000_000);
    if (E.isLeft(jobs)) return jobs.left;
    const agents = integerOption('agents', values.agents ?? '4', 1, 1000);
    if (E.isLeft(agents)) return agents.left;
    const seed = integerOption('seed', values.seed ?? '1', 0, 2 ** 32 - 1);
    if (E.isLeft(seed)) return seed.left;
    const url = storeUrlOf(values.store, io);
    const wallClock = clockOf(io);
    const clock = offsetClock(wallClock);
    let counted: ReturnType<typeof countAppendedEvents> | undefined;
    const makeLedger = (store: Parameters<typeof countAppendedEvents>[0]) => {
      counted = countAppendedEvents(store);
      return createJobLedger({ store: counted.store, clock: clock.now, leaseMs });
    };
    return withLedger(url, io, { mustExist: false, makeLedger }, async (ledger) => {
      const events = () => counted?.count() ?? 0;
      const started = wallClock().getTime();
      const bar = progressBar(io.stderr, { label: 'demo', unit: 'jobs done', total: jobs.right });
      const outcome = await simulateJobTraffic(ledger, clock, {
        jobs: jobs.right,
        agents: agents.right,
        seed: seed.right,
        leaseMs,
        onProgress: (p) =>
          bar.update(
            p.finished,
            `${formatCount(p.created)} created, ${formatCount(events())} events, ${formatRate(events(), wallClock().getTime() - started, 'events')}`,
          ),
      });
      bar.finish();
      if (E.isLeft(outcome)) return jobErrorFailure(outcome.left, 'demo');
      const elapsed = wallClock().getTime() - started;
      const o = outcome.right;
      const storeFlag = values.store === undefined ? '' : ` --store ${url}`;
      io.stdout.write(
        `demo: ${formatCount(jobs.right)} jobs, ${formatCount(agents.right)} agents, seed ${seed.right}, store ${url}\n\n`,
      );
      io.stdout.write(
        formatTable(
          [{ header: 'status' }, { header: 'jobs', align: 'right' }],
          jobStatusNames.filter((s) => o.statuses[s] > 0).map((s) => [s, formatCount(o.statuses[s])]),
        ),
      );
      io.stdout.write(
        [
          '',
          `drafts ${formatCount(o.drafts)}, released by agents ${formatCount(o.releases)}, agent crashes ${formatCount(o.crashes)}`,
          `leases expired ${formatCount(o.leasesExpired.toPending + o.leasesExpired.toUnknown)} (${formatCount(o.leasesExpired.toPending)} back to Pending, ${formatCount(o.leasesExpired.toUnknown)} to Unknown: ${formatCount(o.lateReports)} reported late, ${formatCount(o.requeued)} requeued)`,
          `archived ${formatCount(o.archived)} (restored ${formatCount(o.restored)}), comments ${formatCount(o.comments)}, rounds ${o.rounds}`,
          `events written ${formatCount(events())} in ${formatSeconds(elapsed)} (${formatRate(events(), elapsed, 'events')})`,
          '',
          url.startsWith('memory:')
            ? 'the memory: store ended with this command; pass --store sqlite:<file> to keep the jobs'
            : `next: jobledger jobs${storeFlag}, jobledger history <jobId>${storeFlag}, jobledger verify${storeFlag}`,
          '',
        ].join('\n'),
      );
      return 0;
    });
  },
});
