import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/adapters/openStore.js';
import { safeExtension } from '../../../src/adapters/cli/jobCommandRun.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { compiledPackage } from '../../support/compiledPackage.js';
import { ok, statuses } from '../../app/support.js';
import { tempDir } from './cliHarness.js';

// `jobledger work` as users run it: the compiled bin in a child process, running a real command per job.
const bin = join(compiledPackage.dist, 'adapters', 'cli', 'main.js');
const dirs = tempDir();
beforeAll(() => compiledPackage.build(), 180_000);
afterAll(() => dirs.cleanup());

/** The command each job runs: doubles `n` from the params file, reports where that file was, fails on request. */
const script = `
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
const file = process.env.JOBLEDGER_PARAMS_FILE;
const params = JSON.parse(readFileSync(file, 'utf8'));
console.log('read the parameters');
if (params.sleep) { console.error('started'); setTimeout(() => {}, 60_000); }
else if (params.fail) { console.error('warming up'); console.error('bad input: ' + params.fail); process.exit(3); }
else writeFileSync(process.env.JOBLEDGER_RESULT_FILE, JSON.stringify({
  doubled: params.n * 2, params: basename(file), sameDir: dirname(file) === dirname(process.env.JOBLEDGER_RESULT_FILE),
  jobId: process.env.JOBLEDGER_JOB_ID,
}));
`;

const seed = async (db: string, jobs: { name: string; content: unknown }[]) => {
  const ledger = createJobLedger({ store: openStore(`sqlite:${db}`) });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const ids: string[] = [];
  for (const job of jobs)
    ids.push(
      (
        await ok(
          alice.createJob({
            function: { id: 'fn-1' },
            file: { name: job.name, content: JSON.stringify(job.content) },
          }),
        )
      ).id,
    );
  await ledger.close()();
  return ids;
};

const work = (db: string, extra: string[]) => {
  const { JOBLEDGER_STORE: _s, ...env } = process.env;
  const scriptFile = dirs.path('job.mjs');
  writeFileSync(scriptFile, script);
  const child = spawn(
    process.execPath,
    [
      bin,
      'work',
      '--store',
      `sqlite:${db}`,
      '--agent',
      'agent-1',
      '--tenant',
      't1',
      ...extra,
      '--',
      process.execPath,
      scriptFile,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let onStderr = () => {};
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    onStderr();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const printedOnStderr = (text: string) =>
    new Promise<void>((resolve) => {
      onStderr = () => stderr.includes(text) && resolve();
      onStderr();
    });
  return { child, exited, printedOnStderr, stdout: () => stdout, stderr: () => stderr };
};

describe('jobledger work -- COMMAND', () => {
  it('keeps only a safe extension of the job file name', () => {
    expect(safeExtension('../../../etc/passwd')).toBe('');
    expect(safeExtension('/abs/x.JSON')).toBe('.json');
    expect(safeExtension('a\\..\\b.csv')).toBe('.csv');
    expect(safeExtension('x.json\0.sh')).toBe('.sh');
    expect(safeExtension('evil.')).toBe('');
  });

  it('runs the command per job: results uploaded and readable, exit code -> Completed/Failed with the last stderr line', async () => {
    const db = dirs.path('work.db');
    const [escape, plain, failing] = await seed(db, [
      { name: '../../../etc/passwd', content: { n: 21 } },
      { name: 'params.json', content: { n: 5 } },
      { name: 'p.json', content: { fail: 'no such model' } },
    ]);
    const run = work(db, ['--max-jobs', '3', '--concurrency', '2']);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/work: 3 claimed, 2 completed, 1 failed, 0 released/);
    const ledger = createJobLedger({ store: openStore(`sqlite:${db}`) });
    try {
      const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
      expect(await ok(alice.readJson(escape!))).toMatchObject({
        doubled: 42,
        params: 'params',
        sameDir: true,
        jobId: escape,
      });
      expect(await ok(alice.readJson(plain!))).toMatchObject({ doubled: 10, params: 'params.json' });
      const failed = await ok(alice.getJob(failing!));
      expect(statuses(failed).at(-1)).toBe('Failed');
      expect(failed.statusHistory.at(-1)?.message).toBe('bad input: no such model');
      expect(statuses(await ok(alice.getJob(plain!))).slice(-4)).toEqual([
        'Claimed',
        'Running',
        'Uploading',
        'Completed',
      ]);
      expect((await ok(ledger.verify())).ok).toBe(true);
    } finally {
      await ledger.close()();
    }
  }, 60_000);

  it('SIGTERM mid-job: stops claiming, the command gets the grace, then SIGTERM; exits 0, the Running job left to lease expiry', async () => {
    const db = dirs.path('term.db');
    const [sleeper] = await seed(db, [{ name: 'p.json', content: { sleep: true } }]);
    const run = work(db, ['--grace', '1']);
    await run.printedOnStderr('started');
    const signalled = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(run.stdout()).toMatch(/work: 1 claimed, 0 completed, 0 failed/);
    const ledger = createJobLedger({ store: openStore(`sqlite:${db}`) });
    try {
      const job = await ok(ledger.system.getJob(sleeper!));
      expect(statuses(job).at(-1)).toBe('Running');
    } finally {
      await ledger.close()();
    }
  }, 60_000);

  it('--url with no server there fails with one line, naming the URL', async () => {
    const { JOBLEDGER_STORE: _s, ...env } = process.env;
    const child = spawn(
      process.execPath,
      [bin, 'work', '--url', 'http://127.0.0.1:1', '--token', 't', '--', 'true'],
      {
        env,
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(1);
    expect(stderr).toMatch(/^jobledger: [^\n]+; [^\n]+\n$/);
    expect(stderr).toContain('cannot work for http://127.0.0.1:1');
  }, 60_000);
});
