import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger } from '../../app/createJobLedger.js';
import { createWorker } from '../../app/worker/createWorker.js';
import { createJobLedgerClient, type JobLedgerClient } from '../client/createJobLedgerClient.js';
import type { Worker } from '../../app/worker/workerTypes.js';
import { cliFailure, usageFailure, type CliFailure } from './cliFailure.js';
import { clockOf, type CliIo } from './CliIo.js';
import { defineCommand } from './defineCommand.js';
import { runJobCommand } from './jobCommandRun.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';
import { integerOption } from './parseArgs.js';
import { formatSeconds } from './rate.js';

/** The one line `jobledger work` prints when it ends. */
const summaryOf = (worker: Worker, elapsedMs: number): string => {
  const s = worker.stats();
  return `work: ${s.claimed} claimed, ${s.completed} completed, ${s.failed} failed, ${s.released} released, ${s.leaseLost} lease lost, ${s.canceled} canceled in ${formatSeconds(elapsedMs)}`;
};

/**
 * `jobledger work`: a worker as a command. Claims jobs as an agent and runs COMMAND for each, until SIGTERM or
 * SIGINT (then it stops claiming, lets running commands finish within the grace, and SIGTERMs them after it).
 *
 * @example
 * // jobledger work --store sqlite:./jobledger.db --agent agent-1 --tenant t1 -- python3 run.py
 * // jobledger work --url http://127.0.0.1:8080 --token "$AGENT_TOKEN" -- python3 run.py
 */
export const workCommand = defineCommand({
  command: 'work',
  summary: 'claim jobs as an agent and run a command for each',
  description:
    "Runs COMMAND (after --) for every job it claims, with the job's parameters file in a fresh private directory and JOBLEDGER_JOB_ID, JOBLEDGER_PARAMS_FILE and JOBLEDGER_RESULT_FILE in its environment. Lines on its stdout become progress; exit 0 uploads $JOBLEDGER_RESULT_FILE when the command wrote it and completes the job; any other exit fails it with the last line of stderr. Waits for work without polling. SIGTERM or SIGINT stops claiming and lets running commands finish within --grace, then SIGTERMs them. Prints a summary line at exit.",
  arguments: '-- <command> [args...]',
  maxPositionals: Infinity,
  options: {
    store: storeOption,
    agent: { type: 'string', value: 'ID', description: 'the agent id to claim as (with --store)' },
    tenant: { type: 'string', value: 'T', description: "the agent's tenant (with --store)" },
    pool: { type: 'string', multiple: true, value: 'P', description: 'an agent pool it serves (repeatable)' },
    url: { type: 'string', value: 'URL', description: 'a jobledger server to work for (with --token)' },
    token: { type: 'string', value: 'T', description: "the agent's bearer token (with --url)" },
    concurrency: { type: 'string', value: 'N', description: 'jobs run at once, 1 to 1 000 (default 1)' },
    function: {
      type: 'string',
      multiple: true,
      value: 'ID',
      description: 'only jobs of this function id (repeatable)',
    },
    grace: {
      type: 'string',
      value: 'S',
      description: 'seconds running commands get to finish after SIGTERM/SIGINT (default 30)',
    },
    'max-jobs': {
      type: 'string',
      value: 'N',
      description: 'stop after N jobs have ended (default: run until stopped)',
    },
  },
  run: async ({ values, positionals }, io) => {
    const [command, ...args] = positionals;
    if (command === undefined)
      return usageFailure('no command to run', 'put it after --: jobledger work ... -- node script.mjs');
    const concurrency = integerOption('concurrency', values.concurrency ?? '1', 1, 1000);
    if (E.isLeft(concurrency)) return concurrency.left;
    const grace = integerOption('grace', values.grace ?? '30', 0, 86_400);
    if (E.isLeft(grace)) return grace.left;
    const maxJobs =
      values['max-jobs'] === undefined ? undefined : integerOption('max-jobs', values['max-jobs'], 1, 1e9);
    if (maxJobs !== undefined && E.isLeft(maxJobs)) return maxJobs.left;
    if (values.url !== undefined || values.token !== undefined) {
      if (values.url === undefined || values.token === undefined)
        return usageFailure(
          '--url and --token go together',
          'give both, or --store with --agent and --tenant',
        );
      if (values.store !== undefined || values.agent !== undefined)
        return usageFailure('--url and --store are two ways to work', 'give one of them');
      return workRemote(io, {
        url: values.url,
        token: values.token,
        command,
        args,
        concurrency: concurrency.right,
        graceMs: grace.right * 1000,
        functionIds: values.function,
        maxJobs: maxJobs?.right,
      });
    }
    if (values.agent === undefined || values.tenant === undefined)
      return usageFailure(
        '--agent and --tenant are needed with --store',
        'for example --agent agent-1 --tenant t1',
      );
    const url = storeUrlOf(values.store, io);
    const makeLedger = (store: Parameters<typeof createJobLedger>[0]['store']) => createJobLedger({ store });
    return withLedger(url, io, { mustExist: false, makeLedger }, async (ledger) => {
      const session = ledger.as({
        kind: 'agent',
        id: values.agent!,
        tenantId: values.tenant!,
        ...(values.pool !== undefined && { poolIds: [...values.pool] }),
      });
      return work(io, {
        worker: createWorker({
          session,
          concurrency: concurrency.right,
          shutdownGraceMs: grace.right * 1000,
          ...(values.function !== undefined && { functionIds: [...values.function] }),
          handler: (job, ctx) =>
            runJobCommand({ command, args, env: io.env, session, stderr: io.stderr }, job, ctx),
        }),
        maxJobs: maxJobs?.right,
        what: `${url} as agent ${values.agent}`,
      });
    });
  },
});

/**
 * `jobledger work --url --token`: the same worker over the remote client. The token is checked (and must stand
 * for an agent) before anything is claimed; a wrong token or an unreachable server is one line and exit 1.
 */
const workRemote = async (
  io: CliIo,
  o: {
    url: string;
    token: string;
    command: string;
    args: string[];
    concurrency: number;
    graceMs: number;
    functionIds: readonly string[] | undefined;
    maxJobs: number | undefined;
  },
): Promise<number | CliFailure> => {
  let client: JobLedgerClient;
  try {
    client = createJobLedgerClient({ url: o.url, token: o.token });
  } catch (error) {
    return usageFailure(
      `--url ${o.url}: ${(error as Error).message}`,
      'give the base URL of jobledger serve',
    );
  }
  try {
    const me = await client.connect()();
    if (E.isLeft(me))
      return cliFailure(
        `cannot work for ${o.url}: ${me.left.message}`,
        me.left._tag === 'Forbidden'
          ? "check --token: it must be an agent's token of the server's tokens file"
          : 'check --url and that jobledger serve is running there',
      );
    if (me.right.kind !== 'agent')
      return usageFailure(
        `the token stands for ${me.right.kind} ${me.right.id}, not an agent: workers claim jobs as agents`,
        "give an agent's token (its kind is agent in the server's tokens file)",
      );
    const session = client;
    return await work(io, {
      worker: createWorker({
        session,
        concurrency: o.concurrency,
        shutdownGraceMs: o.graceMs,
        ...(o.functionIds !== undefined && { functionIds: [...o.functionIds] }),
        handler: (job, ctx) =>
          runJobCommand(
            { command: o.command, args: o.args, env: io.env, session, stderr: io.stderr },
            job,
            ctx,
          ),
      }),
      maxJobs: o.maxJobs,
      what: `${o.url} as agent ${me.right.id}`,
    });
  } finally {
    await client.close();
  }
};

/** Runs the worker until a signal (or `maxJobs` ended), with a status line on a terminal; answers the exit code. */
const work = async (
  io: CliIo,
  { worker, maxJobs, what }: { worker: Worker; maxJobs: number | undefined; what: string },
): Promise<number> => {
  const clock = clockOf(io);
  const started = clock().getTime();
  const ended = () => {
    const s = worker.stats();
    return s.completed + s.failed + s.released + s.leaseLost + s.canceled;
  };
  const status = () => {
    if (io.stderr.isTTY === true)
      io.stderr.write(`\r\x1b[K${summaryOf(worker, clock().getTime() - started)}`);
    if (maxJobs !== undefined && ended() >= maxJobs) void worker.stop();
  };
  for (const event of ['claimed', 'completed', 'failed', 'released', 'leaseLost', 'canceled'] as const)
    worker.on(event, status);
  worker.on('error', (error) => io.stderr.write(`work: ${error.message}\n`));
  const onSignal = (name: string) => () => {
    io.stderr.write(`\nwork: ${name}: no new jobs; running commands get the grace to finish\n`);
    void worker.stop();
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  io.stdout.write(`work: claiming jobs from ${what}; stop with Ctrl-C (SIGINT) or SIGTERM\n`);
  try {
    worker.start();
    await worker.done;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
  if (io.stderr.isTTY === true) io.stderr.write('\n');
  io.stdout.write(`${summaryOf(worker, clock().getTime() - started)}\n`);
  return 0;
};
