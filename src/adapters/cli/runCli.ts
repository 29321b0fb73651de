import { readFileSync } from 'node:fs';
import { reportFailure, usageFailure } from './cliFailure.js';
import type { CliIo } from './CliIo.js';
import { copyCommand } from './copyCommand.js';
import type { CliCommand } from './defineCommand.js';
import { demoCommand } from './demoCommand.js';
import { historyCommand } from './historyCommand.js';
import { jobsCommand } from './jobsCommand.js';
import { machineCommand } from './machineCommand.js';
import { defaultStoreUrl } from './openCommandStore.js';
import { replayCommand } from './replayCommand.js';
import { serveCommand } from './serveCommand.js';
import { verifyCommand } from './verifyCommand.js';

/** Every command of the bin, in the order `jobledger --help` lists them. */
export const commands: readonly CliCommand[] = [
  demoCommand,
  jobsCommand,
  historyCommand,
  replayCommand,
  verifyCommand,
  copyCommand,
  machineCommand,
  serveCommand,
];

const usage = (): string => {
  const width = Math.max(...commands.map((c) => c.command.length));
  return `Usage: jobledger <command> [options] [--store URL]

Commands:
${commands.map((c) => `  ${c.command.padEnd(width)}  ${c.summary}`).join('\n')}

The store is --store URL, else the JOBLEDGER_STORE environment variable, else ${defaultStoreUrl}.
Store URLs: sqlite:<file>[?synchronous=normal], memory: (gone when the command ends).
Run jobledger <command> --help for a command's options. JOBLEDGER_DEBUG=1 shows stack traces of internal errors.
`;
};

const version = (): string => {
  // src/adapters/cli and dist/adapters/cli are both three levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
};

/** The command closest to a mistyped name, if any is close (at most 2 edits). */
const closest = (name: string): string | undefined => {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  const best = commands
    .map((c) => ({ name: c.command, d: distance(name, c.command) }))
    .sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= 2 ? best.name : undefined;
};

/**
 * Runs the bin: `argv` are the arguments after `jobledger`. Answers the exit code: 0 done, 1 failed (or verify
 * found problems), 2 a wrong command line.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(usage());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    const command = topic === undefined ? undefined : commands.find((c) => c.command === topic);
    if (topic !== undefined && command === undefined)
      return reportFailure(io, usageFailure(`no command ${topic}`, 'run jobledger --help for the commands'));
    io.stdout.write(command?.usage ?? usage());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.command === first);
  if (command === undefined) {
    const suggestion = first.startsWith('-') ? undefined : closest(first);
    return reportFailure(
      io,
      usageFailure(
        first.startsWith('-')
          ? `${first} must come after a command`
          : `unknown command ${JSON.stringify(first)}`,
        `${suggestion === undefined ? '' : `did you mean jobledger ${suggestion}? `}run jobledger --help for the commands`,
      ),
    );
  }
  return command(rest, io);
};
