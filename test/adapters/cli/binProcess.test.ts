import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitionTable } from '../../../src/domain/transitionTable.js';
import { childOutput } from '../../support/childOutput.js';
import { compiledPackage } from '../../support/compiledPackage.js';
import { oneLineFailure, tempDir } from './cliHarness.js';

// The bin as users run it: compiled JavaScript in a child process.
const compiled = compiledPackage;
const bin = join(compiled.dist, 'adapters', 'cli', 'main.js');
const dirs = tempDir();

beforeAll(() => compiled.build(), 180_000);

afterAll(() => {
  dirs.cleanup();
});

/** The first line the child prints that matches `pattern`, as it is printed (no polling). */
const firstMatch = async (out: ReturnType<typeof childOutput>, pattern: RegExp): Promise<RegExpExecArray> => {
  await out.printed((lines) => lines.some((line) => pattern.test(line)));
  return out.lines.map((line) => pattern.exec(line)).find((m) => m !== null)!;
};

const run = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) => {
  const { JOBLEDGER_STORE: _store, JOBLEDGER_DEBUG: _debug, ...env } = process.env;
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? dirs.path('.'),
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('the jobledger bin', () => {
  it('prints its usage and the machine as JSON', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: jobledger <command>');
    const machine = run(['machine', '--format', 'json']);
    expect(machine.code).toBe(0);
    expect(JSON.parse(machine.stdout)).toEqual(transitionTable);
  });

  it('exits 2 with one line for an unknown command or option, and 1 for a missing database, creating nothing', () => {
    const unknown = run(['jobz']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(oneLineFailure);
    const flag = run(['jobs', '--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      'jobledger: unknown option --colour for jobs; run jobledger jobs --help for its options\n',
    );
    const cwd = dirs.path('empty');
    mkdirSync(cwd);
    const missing = run(['verify'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'jobledger: no jobledger database at ./jobledger.db (store sqlite:./jobledger.db); check --store or JOBLEDGER_STORE, or create one with jobledger demo --store sqlite:./jobledger.db\n',
    );
    expect(readdirSync(cwd)).toEqual([]);
    const badUrl = run(['jobs'], { env: { JOBLEDGER_STORE: 'mysql://db' } });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(oneLineFailure);
    expect(badUrl.stderr).toContain('mysql://db');
  });

  it('runs a demo on memory: and exits', () => {
    const demo = run(['demo', '--jobs', '20', '--store', 'memory:']);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/events written [\d ]+ in/);
  });

  it('demo, jobs, history, verify and copy on SQLite files', () => {
    const cwd = dirs.path('sqlite');
    mkdirSync(cwd);
    expect(run(['demo', '--jobs', '30'], { cwd }).code).toBe(0);
    expect(existsSync(join(cwd, 'jobledger.db'))).toBe(true);
    const jobs = run(['jobs', '--json', '--archive-status', 'all', '--size', '100'], { cwd });
    expect(jobs.code).toBe(0);
    const page = JSON.parse(jobs.stdout) as { total: number; items: { id: string }[] };
    expect(page.total).toBe(30);
    const history = run(['history', page.items[0]!.id], { cwd });
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('JobCreated');
    expect(run(['verify'], { cwd }).code).toBe(0);
    const copy = run(['copy', '--from', 'sqlite:./jobledger.db', '--to', 'sqlite:./copy.db'], { cwd });
    expect(copy.stderr).toBe('');
    expect(copy.code).toBe(0);
    expect(run(['verify', '--store', 'sqlite:./copy.db'], { cwd }).code).toBe(0);
  });

  it('serve --demo fills an empty store, serves the page and the API, and stops cleanly on SIGTERM', async () => {
    const cwd = dirs.path('serve');
    mkdirSync(cwd);
    const { JOBLEDGER_STORE: _store, JOBLEDGER_TOKENS_FILE: _tokens, ...env } = process.env;
    const child = spawn(process.execPath, [bin, 'serve', '--demo', '--port', '0'], { cwd, env });
    const out = childOutput(child);
    const stdout = () => out.lines.join('\n');
    const { exited } = out;
    try {
      const [, base, token] = await firstMatch(out, /at (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/);
      expect(stdout()).toContain('demo: 30 jobs of tenant t-demo added to sqlite:./jobledger.db');
      expect(await (await fetch(`${base}/`)).text()).toContain('/page.js');
      expect((await fetch(`${base}/jobs`)).status).toBe(401);
      const page = (await (
        await fetch(`${base}/jobs?archive_status=all&size=5`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { total: number };
      expect(page.total).toBe(30);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout()).toContain('SIGTERM: finishing in-flight requests, then closing sqlite:./jobledger.db');
    } finally {
      child.kill('SIGKILL');
    }
    // The store was closed whole: it verifies.
    expect(run(['verify'], { cwd }).code).toBe(0);
  }, 90_000);

  it('serve --metrics --log-level info: the request log of a session that used the event stream holds no token', async () => {
    const cwd = dirs.path('serve-log');
    mkdirSync(cwd);
    const tokens = {
      'user-token-for-the-log-test': { kind: 'user', id: 'u-1', tenantId: 't1', roles: ['administrator'] },
      'agent-token-for-the-log-test': { kind: 'agent', id: 'a-1', tenantId: 't1' },
    };
    writeFileSync(join(cwd, 'tokens.json'), JSON.stringify(tokens));
    const { JOBLEDGER_STORE: _store, JOBLEDGER_TOKENS_FILE: _tokens, ...env } = process.env;
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--tokens', 'tokens.json', '--metrics', '--log-level', 'info'],
      { cwd, env },
    );
    const out = childOutput(child);
    const { exited } = out;
    try {
      const [, base] = await firstMatch(out, /at (http:\/\/127\.0\.0\.1:\d+)\//);
      const bearer = { authorization: 'Bearer user-token-for-the-log-test' };
      const created = await fetch(`${base}/jobs`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ function: { id: 'fn' }, file: { name: 'a.json' } }),
      });
      const { id } = (await created.json()) as { id: string };
      const stream = new AbortController();
      const events = await fetch(`${base}/jobs/${id}/events?access_token=user-token-for-the-log-test`, {
        signal: stream.signal,
      });
      expect(events.status).toBe(200);
      await events.body!.getReader().read();
      stream.abort();
      await fetch(`${base}/agent/job`, {
        method: 'POST',
        headers: { authorization: 'Bearer agent-token-for-the-log-test', 'content-type': 'application/json' },
        body: '{}',
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^jobledger_jobs\{status="Claimed"[^}]*\} 1$/m);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const everything = out.lines.join('\n') + out.stderr();
    expect(out.stderr()).toContain('access_token=[redacted]');
    expect(out.stderr()).toContain('"url":"/agent/job"');
    for (const token of Object.keys(tokens)) expect(everything).not.toContain(token);
    expect(everything).not.toMatch(/bearer/i);
  }, 90_000);
});
