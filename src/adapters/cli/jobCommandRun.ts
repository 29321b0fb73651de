import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import type { HandlerResult, WorkerContext } from '../../app/worker/workerTypes.js';
import type { Job } from '../../domain/model.js';
import type { CliOutput } from './CliIo.js';

/** How long a child gets after SIGTERM before SIGKILL. */
const killAfterMs = 5_000;

/**
 * The extension the parameters file keeps: letters and digits after the last dot of the name's last segment,
 * at most 10, lower-cased; nothing otherwise. The job's file name is a user's input: it never becomes a path.
 *
 * @example
 * safeExtension('../../../etc/passwd'); // ''
 * safeExtension('params.JSON'); // '.json'
 */
export const safeExtension = (name: string): string => {
  const last = name.split(/[\\/]/).pop() ?? '';
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(last);
  return match === null ? '' : `.${match[1]!.toLowerCase()}`;
};

/** What `jobledger work` runs for each job. @internal */
export interface JobCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly session: JobLedgerSession;
  /** Where the child's stderr lines go, prefixed with the job id. */
  readonly stderr: CliOutput;
}

/**
 * Runs the command for one job: its parameters file in a fresh private directory under a name we make
 * (`params` + a safe extension), `JOBLEDGER_JOB_ID`, `JOBLEDGER_PARAMS_FILE` and `JOBLEDGER_RESULT_FILE` in its
 * environment; stdout lines become progress, exit 0 uploads the result file when the command wrote one, any
 * other exit fails the job with the last line of stderr. `ctx.signal` sends SIGTERM (SIGKILL 5 s later). The
 * directory is removed afterwards. @internal
 */
export const runJobCommand = async (
  run: JobCommand,
  job: Job,
  ctx: WorkerContext,
): Promise<HandlerResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-work-'));
  try {
    const paramsFile = join(dir, `params${safeExtension(job.file.name)}`);
    const bytes = await run.session.readBytes(job.id)();
    // A job created without content has an empty parameters file; its name and id are in the environment.
    writeFileSync(paramsFile, E.isRight(bytes) ? bytes.right : new Uint8Array(), { mode: 0o600 });
    const resultFile = join(dir, 'result');
    const exit = await runChild(run, ctx, {
      JOBLEDGER_JOB_ID: job.id,
      JOBLEDGER_PARAMS_FILE: paramsFile,
      JOBLEDGER_RESULT_FILE: resultFile,
    });
    if (exit.code !== 0) {
      const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw new Error(exit.lastStderr !== '' ? exit.lastStderr : `${run.command} ${how}`);
    }
    if (existsSync(resultFile) && !ctx.signal.aborted) {
      await ctx.uploadResult(createReadStream(resultFile), { name: `result${safeExtension(job.file.name)}` });
    }
    return { message: `${run.command} exited with code 0` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const runChild = (
  run: JobCommand,
  ctx: WorkerContext,
  jobEnv: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; lastStderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], {
      env: { ...run.env, ...jobEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastStderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      killTimer.unref();
    };
    ctx.signal.addEventListener('abort', terminate, { once: true });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() !== '') ctx.progress(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim() !== '') lastStderr = line.trim();
      run.stderr.write(`[${jobEnv.JOBLEDGER_JOB_ID}] ${line}\n`);
    });
    child.on('error', (error) => {
      ctx.signal.removeEventListener('abort', terminate);
      reject(new Error(`cannot run ${run.command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      ctx.signal.removeEventListener('abort', terminate);
      if (killTimer !== undefined) clearTimeout(killTimer);
      resolve({ code, signal, lastStderr });
    });
  });
