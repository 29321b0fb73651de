import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands, runCli } from '../../../src/adapters/cli/runCli.js';
import { verifyCommand } from '../../../src/adapters/cli/verifyCommand.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import type { ProjectedEventStore } from '../../../src/projections/ReadModelStore.js';
import { harness, oneLineFailure } from './cliHarness.js';

describe('jobledger (the dispatcher)', () => {
  it('--help lists every command with its summary, on stdout, exit 0', async () => {
    const h = harness();
    expect(await runCli(['--help'], h.io)).toBe(0);
    for (const c of commands) expect(h.stdout()).toContain(`${c.command}  `);
    expect(h.stdout()).toContain('JOBLEDGER_STORE');
  });

  it('<command> --help and help <command> print that command usage', async () => {
    for (const c of commands) {
      const h = harness();
      expect(await runCli([c.command, '--help'], h.io)).toBe(0);
      expect(h.stdout()).toBe(c.usage);
      const g = harness();
      expect(await runCli(['help', c.command], g.io)).toBe(0);
      expect(g.stdout()).toBe(c.usage);
    }
  });

  it('without a command prints the usage on stderr and exits 2', async () => {
    const h = harness();
    expect(await runCli([], h.io)).toBe(2);
    expect(h.stderr()).toContain('Usage: jobledger <command>');
  });

  it('names an unknown command in one line, suggests the closest one, exit 2', async () => {
    const h = harness();
    expect(await runCli(['verfy'], h.io)).toBe(2);
    expect(h.stderr()).toBe(
      'jobledger: unknown command "verfy"; did you mean jobledger verify? run jobledger --help for the commands\n',
    );
    const g = harness();
    expect(await runCli(['--store', 'memory:', 'jobs'], g.io)).toBe(2);
    expect(g.stderr()).toMatch(oneLineFailure);
    expect(g.stderr()).toContain('--store must come after a command');
  });

  it('prints the package version for --version and -v', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const h = harness();
      expect(await runCli([flag], h.io)).toBe(0);
      expect(h.stdout()).toBe(`${version}\n`);
    }
  });

  it('suggests the closest option of a command, and names an unknown help topic, exit 2', async () => {
    const h = harness();
    expect(await runCli(['jobs', '--stauts', 'Failed'], h.io)).toBe(2);
    expect(h.stderr()).toBe(
      'jobledger: unknown option --stauts for jobs; run jobledger jobs --help for its options (did you mean --status?)\n',
    );
    const g = harness();
    expect(await runCli(['help', 'jbos'], g.io)).toBe(2);
    expect(g.stderr()).toBe('jobledger: no command jbos; run jobledger --help for the commands\n');
  });

  it('help without a topic prints the usage on stdout, exit 0', async () => {
    const h = harness();
    const g = harness();
    expect(await runCli(['help'], h.io)).toBe(0);
    expect(await runCli(['--help'], g.io)).toBe(0);
    expect(h.stdout()).toBe(g.stdout());
    expect(h.stdout()).toMatch(/^Usage: jobledger <command>/);
  });
});

describe('errors', () => {
  /** A store that breaks the ledger's expectations: an internal error, not a user mistake. */
  const broken = (): ProjectedEventStore => {
    const store = memoryEventStore();
    return { ...store, readModel: undefined } as unknown as ProjectedEventStore;
  };

  it('an internal error is one line without a stack, and says how to see the stack', async () => {
    const h = harness({ openStore: broken });
    expect(await verifyCommand(['--store', 'memory:'], h.io)).toBe(1);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toMatch(/^jobledger: verify failed unexpectedly: .*; rerun with JOBLEDGER_DEBUG=1/);
    expect(h.stderr()).not.toMatch(/\n\s+at /);
  });

  it('with JOBLEDGER_DEBUG=1 an internal error also prints its stack', async () => {
    const h = harness({ openStore: broken, env: { JOBLEDGER_DEBUG: '1' } });
    expect(await verifyCommand(['--store', 'memory:'], h.io)).toBe(1);
    expect(h.stderr()).toMatch(/the stack trace follows\n.*Error.*\n\s+at /);
  });

  it('a failing store read is one line naming what failed', async () => {
    const store = memoryEventStore();
    const failing: ProjectedEventStore = {
      ...store,
      // eslint-disable-next-line require-yield
      readAll: async function* () {
        throw new Error('disk I/O error');
      },
    };
    const h = harness({ openStore: () => failing });
    expect(await verifyCommand(['--store', 'memory:'], h.io)).toBe(1);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain('disk I/O error');
    expect(h.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('the README', () => {
  it('shows what the bin prints for a mistyped option, in its command-line section', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## The command line'));
    const [, command, printed] = /```text\n\$ npx jobledger (.+)\n(.+\n)```/.exec(section)!;
    const h = harness();
    expect(await runCli(command!.split(' '), h.io)).toBe(2);
    expect(h.stderr()).toBe(printed);
  });
});
