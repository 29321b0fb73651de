import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/adapters/cli/runCli.js';
import { createJobLedgerClient } from '../../../src/client.js';
import { ok, statuses } from '../../app/support.js';
import { compiledPackage } from '../../support/compiledPackage.js';
import { harness, oneLineFailure, tempDir } from '../cli/cliHarness.js';
import { countEvents, startServer } from '../http/httpTestServer.js';

// `jobledger work --url URL --token T`: the worker as a command, working for a live serve over the remote client.
const bin = join(compiledPackage.dist, 'adapters', 'cli', 'main.js');
const dirs = tempDir();
let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  s = await startServer(`sqlite:${dirs.path('ledger.db')}`);
});
afterAll(async () => {
  await s.stop();
  dirs.cleanup();
});

/** The command each job runs: doubles `n` from the parameters file into the result file. */
const script = `
import { readFileSync, writeFileSync } from 'node:fs';
const params = JSON.parse(readFileSync(process.env.JOBLEDGER_PARAMS_FILE, 'utf8'));
console.log('doubling ' + params.n);
writeFileSync(process.env.JOBLEDGER_RESULT_FILE, JSON.stringify({ doubled: params.n * 2, jobId: process.env.JOBLEDGER_JOB_ID }));
`;

describe('jobledger work --url', () => {
  it('refuses a wrong token, or a user’s, with one line before anything is claimed', async () => {
    const alice = createJobLedgerClient({ url: s.url, token: 'alice-token', cacheDir: dirs.path('cache') });
    const job = await ok(alice.createJob({ function: { id: 'fn-refused' }, file: { name: 'p.json' } }));
    const before = await countEvents(s.ledger);
    for (const [token, code, says] of [
      ['not-a-token-7c1e', 1, /401/],
      ['alice-token', 2, /the token stands for user u-alice, not an agent/],
    ] as const) {
      const h = harness({ env: { XDG_CACHE_HOME: dirs.path('xdg') } });
      const argv = ['work', '--url', s.url, '--token', token, '--function', 'fn-refused', '--', 'true'];
      expect(await runCli(argv, h.io)).toBe(code);
      expect(h.stderr()).toMatch(oneLineFailure);
      expect(h.stderr()).toMatch(says);
      expect(h.stderr()).not.toContain('not-a-token-7c1e');
      expect(h.stdout()).toBe('');
    }
    expect(await countEvents(s.ledger)).toBe(before);
    expect(statuses(await ok(alice.getJob(job.id))).at(-1)).toBe('Pending');
    await alice.close();
  });

  it('as a child process: runs the command per job, results uploaded and readable through the server', async () => {
    await compiledPackage.build();
    const alice = createJobLedgerClient({ url: s.url, token: 'alice-token', cacheDir: dirs.path('cache') });
    const ids: string[] = [];
    for (const n of [4, 21])
      ids.push(
        (
          await ok(
            alice.createJob({
              function: { id: 'fn-cli' },
              file: { name: 'params.json', content: JSON.stringify({ n }) },
            }),
          )
        ).id,
      );
    const scriptFile = dirs.path('double.mjs');
    writeFileSync(scriptFile, script);
    const { JOBLEDGER_STORE: _s, ...env } = process.env;
    const child = spawn(
      process.execPath,
      [
        bin,
        'work',
        '--url',
        s.url,
        '--token',
        'agent-token',
        '--function',
        'fn-cli',
        '--concurrency',
        '2',
        '--max-jobs',
        '2',
        '--',
        process.execPath,
        scriptFile,
      ],
      { env: { ...env, XDG_CACHE_HOME: dirs.path('xdg') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`work: claiming jobs from ${s.url} as agent agent-1`);
    expect(stdout).toMatch(/work: 2 claimed, 2 completed, 0 failed, 0 released/);
    for (const [i, n] of [4, 21].entries()) {
      expect(await ok(alice.readJson(ids[i]!))).toEqual({ doubled: n * 2, jobId: ids[i] });
      expect(statuses(await ok(alice.getJob(ids[i]!))).slice(-3)).toEqual([
        'Running',
        'Uploading',
        'Completed',
      ]);
    }
    expect((await ok(s.ledger.verify())).ok).toBe(true);
    await alice.close();
  }, 200_000);
});
