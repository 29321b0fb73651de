import { readFileSync } from 'node:fs';
import type { CliIo } from './CliIo.js';
import { completionCommand } from './completionCommand.js';
import { copyCommand } from './copyCommand.js';
import { runCommandLine, type CliCommand } from './defineCommand.js';
import { demoCommand } from './demoCommand.js';
import { historyCommand } from './historyCommand.js';
import { jobsCommand } from './jobsCommand.js';
import { machineCommand } from './machineCommand.js';
import { defaultStoreUrl } from './openCommandStore.js';
import { replayCommand } from './replayCommand.js';
import { serveCommand } from './serveCommand.js';
import { verifyCommand } from './verifyCommand.js';
import { workCommand } from './workCommand.js';
import { keygenCommand } from './keygenCommand.js';
import { digestCommand } from './digestCommand.js';
import { proveCommand } from './proveCommand.js';
import { checkProofCommand } from './checkProofCommand.js';

/** Every command of the bin, in the order `jobledger --help` lists them. */
export const commands: readonly CliCommand[] = [
  demoCommand,
  jobsCommand,
  historyCommand,
  replayCommand,
  verifyCommand,
  keygenCommand,
  digestCommand,
  proveCommand,
  checkProofCommand,
  copyCommand,
  machineCommand,
  serveCommand,
  workCommand,
  // Completes the commands above (read when it runs, so it sees the whole list).
  completionCommand(() => commands),
];

const footer = `The store is --store URL, else the JOBLEDGER_STORE environment variable, else ${defaultStoreUrl}.
Store URLs: sqlite:<file>[?synchronous=normal], memory: (gone when the command ends).
Run jobledger <command> --help for a command's options. JOBLEDGER_DEBUG=1 shows stack traces of internal errors.
`;

/** The version in package.json (src/adapters/cli and dist/adapters/cli are both three levels below it). */
export const packageVersion = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
};

/**
 * Runs the bin: `argv` are the arguments after `jobledger`. Answers the exit code: 0 done, 1 failed (or verify
 * found problems), 2 a wrong command line. commander reads the command line: `jobledger --help`,
 * `jobledger help <command>`, `jobledger <command> --help`, `jobledger --version`, and "did you mean" for a
 * mistyped command or option.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export const runCli = (argv: readonly string[], io: CliIo): Promise<number> =>
  runCommandLine(
    commands.map((c) => c.definition),
    argv,
    io,
    { version: packageVersion(), footer },
  );
