import * as E from 'fp-ts/lib/Either.js';
import { PageJob } from '../../domain/dto.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';
import { currentArchiveStatus, currentStatus, type Job } from '../../domain/model.js';
import { defineCommand } from './defineCommand.js';
import { formatTable } from './formatTable.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';
import { choiceOption, integerOption } from './parseArgs.js';

/** `2026-03-01T12:00:00.000Z` -> `2026-03-01 12:00:00`: the table says the times are UTC once, in its header. */
export const utcTime = (date: Date): string => date.toISOString().replace('T', ' ').slice(0, 19);

const archiveStatuses = ['active', 'archived', 'all'] as const;

const row = (job: Job): string[] => [
  job.id,
  currentStatus(job),
  utcTime(job.created),
  job.function.name ?? job.function.id,
  job.agentId ?? '-',
  currentArchiveStatus(job) === 'Archived' ? 'yes' : 'no',
];

/**
 * `jobledger jobs`: one page of jobs as a table, or as the exact `PageJob` wire JSON with `--json`.
 *
 * @example
 * await jobsCommand(['--status', 'Failed', '--json'], io);
 */
export const jobsCommand = defineCommand({
  command: 'jobs',
  summary: 'list jobs as a table, or as the PageJob wire JSON',
  description: 'Lists the jobs of every tenant (as the system principal), newest first.',
  options: {
    status: {
      type: 'string',
      value: 'S',
      choices: jobStatusNames,
      description: `only jobs in status S: ${jobStatusNames.join(', ')}`,
    },
    page: { type: 'string', value: 'P', description: 'the page, from 1 (default 1)' },
    size: { type: 'string', value: 'N', description: 'jobs per page, 1 to 100 (default 10)' },
    'archive-status': {
      type: 'string',
      value: 'A',
      choices: archiveStatuses,
      description: 'active (default), archived or all',
    },
    json: {
      type: 'boolean',
      description: 'print the page as the PageJob wire JSON (snake_case), for programs',
    },
    store: storeOption,
  },
  run: async ({ values }, io) => {
    const status =
      values.status === undefined
        ? E.right(undefined)
        : choiceOption('status', values.status, jobStatusNames);
    if (E.isLeft(status)) return status.left;
    const page = integerOption('page', values.page ?? '1', 1, 1_000_000);
    if (E.isLeft(page)) return page.left;
    const size = integerOption('size', values.size ?? '10', 1, 100);
    if (E.isLeft(size)) return size.left;
    const archiveStatus = choiceOption(
      'archive-status',
      values['archive-status'] ?? 'active',
      archiveStatuses,
    );
    if (E.isLeft(archiveStatus)) return archiveStatus.left;
    const url = storeUrlOf(values.store, io);
    return withLedger(url, io, { mustExist: true }, async (ledger) => {
      const listed = await ledger.system.listJobs({
        page: page.right,
        size: size.right,
        archiveStatus: archiveStatus.right,
        ...(status.right !== undefined && { status: status.right }),
      })();
      if (E.isLeft(listed)) return jobErrorFailure(listed.left, 'listing jobs');
      const result = listed.right;
      if (values.json === true) {
        io.stdout.write(`${PageJob.toJson(result)}\n`);
        return 0;
      }
      if (result.items.length === 0) {
        const filter = `${status.right === undefined ? '' : `status ${status.right}, `}archive status ${archiveStatus.right}`;
        io.stdout.write(
          result.total === 0
            ? `no jobs match (${filter}) in ${url}\n`
            : `page ${result.page} is past the last page (${result.pages}) of ${result.total} jobs; try --page ${result.pages}\n`,
        );
        return 0;
      }
      io.stdout.write(
        formatTable(
          [
            { header: 'id' },
            { header: 'status' },
            { header: 'created (UTC)' },
            { header: 'function', maxWidth: 32 },
            { header: 'agent', maxWidth: 24 },
            { header: 'archived' },
          ],
          result.items.map(row),
        ),
      );
      const more = result.page < result.pages ? `; --page ${result.page + 1} for more` : '';
      io.stdout.write(`page ${result.page} of ${result.pages}, ${result.total} jobs${more}\n`);
      return 0;
    });
  },
});
