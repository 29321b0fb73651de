import { describe, expect, it } from 'vitest';
import { defineCommand } from '../../../src/adapters/cli/defineCommand.js';
import { jobsCommand } from '../../../src/adapters/cli/jobsCommand.js';
import { harness, oneLineFailure } from './cliHarness.js';

/** A command in the first shape of defineCommand, as the worker's `work` is written: hand-written usage. */
const seen: { values: unknown; positionals: readonly string[] }[] = [];
const workLike = defineCommand({
  command: 'work',
  summary: 'claim jobs and run a command for each',
  usage: `Usage: jobledger work --agent ID [--function ID]... -- COMMAND [ARGS...]

Written by hand, printed as it is.
`,
  options: {
    agent: { type: 'string' },
    function: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  maxPositionals: Number.POSITIVE_INFINITY,
  run: async ({ values, positionals }) => {
    seen.push({ values, positionals });
    return 0;
  },
});

describe('defineCommand', () => {
  it('keeps the first shape: its hand-written usage is the help, options need no descriptions', async () => {
    const h = harness();
    expect(await workLike(['--help'], h.io)).toBe(0);
    expect(h.stdout()).toBe(workLike.usage);
    expect(workLike.usage).toContain('Written by hand, printed as it is.');
  });

  it('collects a repeated option in order, and passes everything after -- on as positionals', async () => {
    seen.length = 0;
    const h = harness();
    const args = [
      '--function',
      'fn-a',
      '--agent',
      'a-1',
      '--function=fn-b',
      '--',
      'node',
      'job.mjs',
      '--json',
      '--',
      '-x',
    ];
    expect(await workLike(args, h.io)).toBe(0);
    expect(h.stderr()).toBe('');
    expect(seen).toEqual([
      {
        values: { function: ['fn-a', 'fn-b'], agent: 'a-1' },
        positionals: ['node', 'job.mjs', '--json', '--', '-x'],
      },
    ]);
  });

  it('still refuses an option that may not repeat, and an unknown one before --', async () => {
    const h = harness();
    expect(await workLike(['--agent', 'a', '--agent', 'b'], h.io)).toBe(2);
    expect(h.stderr()).toBe(
      'jobledger: --agent was given twice; give it once (run jobledger work --help for its options)\n',
    );
    const g = harness();
    expect(await workLike(['--agent', 'a', 'node', '--verbose'], g.io)).toBe(2);
    expect(g.stderr()).toMatch(oneLineFailure);
    expect(g.stderr()).toContain('unknown option --verbose for work');
  });

  it('generates the help of the second shape: usage line, description, every option with its value and description', async () => {
    const h = harness();
    expect(await jobsCommand(['--help'], h.io)).toBe(0);
    const help = h.stdout();
    expect(help).toBe(jobsCommand.usage);
    expect(help.split('\n')[0]).toBe('Usage: jobledger jobs [options]');
    expect(help).toContain('Lists the jobs of every tenant');
    for (const [name, option] of Object.entries(jobsCommand.definition.options)) {
      const flag = option.type === 'boolean' ? `--${name}` : `--${name} <${option.value}>`;
      const line = help.split('\n').find((l) => l.startsWith(`  ${flag}  `));
      expect(line, flag).toContain(option.description!.slice(0, 20));
    }
    expect(Math.max(...help.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('wraps the help to a narrower terminal (80 columns)', async () => {
    const h = harness();
    const io = { ...h.io, stdout: { ...h.io.stdout, columns: 80 } };
    expect(await jobsCommand(['--help'], io)).toBe(0);
    const lines = h.stdout().trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    // The statuses of --status go on under the description column.
    expect(lines.some((l) => /^ {24}\w+, \w+/.test(l))).toBe(true);
  });
});
