import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { zshCompletion } from '../../../src/adapters/cli/completionScripts.js';
import { commands, runCli } from '../../../src/adapters/cli/runCli.js';
import { jobStatusNames } from '../../../src/domain/JobStatusName.js';
import { describeWith, type OptionalService } from '../../support/optionalService.js';
import { harness, oneLineFailure, tempDir } from './cliHarness.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

const names = [...commands.map((c) => c.command), 'help'].sort();

/** The script `jobledger completion <shell>` prints. */
const script = async (shell: string): Promise<string> => {
  const h = harness();
  expect(await runCli(['completion', shell], h.io)).toBe(0);
  expect(h.stderr()).toBe('');
  return h.stdout();
};

describe('jobledger completion', () => {
  it.each([
    [[], 'completion needs a shell, bash or zsh'],
    [['fish'], 'completion writes scripts for bash and zsh, not "fish"'],
    [['bash', 'zsh'], 'unexpected argument "zsh" for completion'],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    const h = harness();
    expect(await runCli(['completion', ...args], h.io)).toBe(2);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain(message);
    expect(h.stdout()).toBe('');
  });
});

describe('jobledger completion bash, in bash', () => {
  let file: string;
  /** What the script offers for `words` (the last one is being completed), as bash asks it on Tab. */
  const offers = (...words: string[]): string[] => {
    const run = spawnSync(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _jobledger; printf "%s\\n" "${COMPREPLY[@]}"',
        'bash',
        file,
        ...words,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return run.stdout
      .split('\n')
      .filter((w) => w !== '')
      .sort();
  };

  it('registers itself for jobledger, with bash default completion (file names) when it offers nothing', async () => {
    file = dirs.path('jobledger.bash');
    writeFileSync(file, await script('bash'));
    const registered = spawnSync(
      'bash',
      ['--norc', '-c', 'source "$1"; complete -p jobledger', 'bash', file],
      {
        encoding: 'utf8',
      },
    );
    expect(registered.stdout).toBe('complete -o default -F _jobledger jobledger\n');
  });

  it('completes the commands, then the options of the command typed', () => {
    expect(offers('jobledger', '')).toEqual([...names, '--help', '--version'].sort());
    expect(offers('jobledger', 'jo')).toEqual(['jobs']);
    expect(offers('jobledger', 'jobs', '--st')).toEqual(['--status', '--store']);
    for (const { command, definition } of commands) {
      const options = Object.keys(definition.options).map((name) => `--${name}`);
      expect(offers('jobledger', command, ''), command).toEqual(
        [...options, '--help', ...(definition.argumentChoices ?? [])].sort(),
      );
    }
    expect(offers('jobledger', 'help', 'ver')).toEqual(['verify']);
    expect(offers('jobledger', 'completion', '')).toEqual(['--help', 'bash', 'zsh']);
  });

  it('completes the values an option lists, given as --name value or --name=value (which bash splits at =)', () => {
    expect(offers('jobledger', 'jobs', '--status', '')).toEqual([...jobStatusNames].sort());
    expect(offers('jobledger', 'jobs', '--status', 'Comp')).toEqual(['Completed']);
    expect(offers('jobledger', 'jobs', '--status', '=', 'Fa')).toEqual(['Failed']);
    expect(offers('jobledger', 'jobs', '--status', '=')).toEqual([...jobStatusNames].sort());
    expect(offers('jobledger', 'machine', '--format', '')).toEqual(['json', 'mermaid']);
  });

  it('leaves other values, and everything after --, to bash (file names)', () => {
    expect(offers('jobledger', 'copy', '--from', '')).toEqual([]);
    expect(offers('jobledger', 'jobs', '--store', '=', 'sq')).toEqual([]);
    expect(offers('jobledger', 'history', '--', '--st')).toEqual([]);
  });
});

const zshFound = spawnSync('zsh', ['-fc', 'zmodload zsh/zpty'], { encoding: 'utf8' });
const zsh: OptionalService = {
  missing: zshFound.status === 0 ? undefined : 'no zsh (with its zpty module) on the PATH',
  toRun: 'install it with apt-get install zsh',
};

/** What zsh offers on Tab at the end of each line, with `completion` installed as _jobledger in a fresh $fpath. */
const zshOffers = (completion: string, lines: string[]): string[][] => {
  const dir = dirs.path(`zsh-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(`${dir}/_jobledger`, completion);
  const driver = fileURLToPath(new URL('zshCompletions.zsh', import.meta.url));
  const run = spawnSync('zsh', ['-f', driver, dir, ...lines], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status).toBe(0);
  const answers = run.stdout.split('<end/>').slice(0, -1);
  expect(answers).toHaveLength(lines.length);
  return answers.map((answer) => [...answer.matchAll(/<hit>(.*?)<\/hit>/g)].map((m) => m[1]!).sort());
};

describeWith(zsh, 'jobledger completion zsh, in zsh', () => {
  it('completes commands, options, listed values, and offers an option that may not repeat only once', async () => {
    const [commandsOffered, jo, statusOffered, statusInline, formatOffered, jsonAgain, stOffered, shells] =
      zshOffers(await script('zsh'), [
        'jobledger ',
        'jobledger jo',
        'jobledger jobs --status ',
        'jobledger jobs --status=Comp',
        'jobledger machine --format ',
        'jobledger jobs --json --j',
        'jobledger jobs --st',
        'jobledger completion ',
      ]);
    expect(commandsOffered).toEqual(names);
    expect(jo).toEqual(['jobs']);
    expect(statusOffered).toEqual([...jobStatusNames].sort());
    expect(statusInline).toEqual(['Completed']);
    expect(formatOffered).toEqual(['json', 'mermaid']);
    expect(jsonAgain).toEqual([]);
    expect(stOffered).toEqual(['--status', '--store']);
    expect(shells).toEqual(['bash', 'zsh']);
  }, 60_000);

  it('offers a repeatable option again (work --function ID ...)', () => {
    const work = {
      command: 'work',
      summary: 'run jobs',
      options: {
        function: { type: 'string', multiple: true, value: 'ID', description: 'claim jobs of this function' },
        agent: { type: 'string', value: 'ID', description: 'the agent' },
      },
      maxPositionals: Number.POSITIVE_INFINITY,
    } as const;
    const [again, agentAgain] = zshOffers(zshCompletion([work]), [
      'jobledger work --function a --agent x --f',
      'jobledger work --agent x --a',
    ]);
    expect(again).toEqual(['--function']);
    expect(agentAgain).toEqual([]);
  }, 60_000);
});
