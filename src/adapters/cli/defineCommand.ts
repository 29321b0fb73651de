import { isCliFailure, reportFailure, reportUnexpected, type CliFailure } from './cliFailure.js';
import type { CliIo } from './CliIo.js';
import {
  commandHelp,
  helpWidth,
  parseCommandLine,
  type CommandSpec,
  type ProgramSpec,
} from './commandLine.js';
import type { OptionsSpec, ParsedArgs } from './parseArgs.js';

/** What a command body answers: an exit code, or a failure to print. */
export type CommandOutcome = number | CliFailure;

/**
 * A command of the bin, declared: its name and help, its options, and its body. The help is generated from
 * `description` and the options' descriptions; a hand-written `usage` (the first shape) is printed instead
 * when given.
 */
export interface CommandDefinition<S extends OptionsSpec = OptionsSpec> extends CommandSpec {
  readonly options: S;
  readonly run: (parsed: ParsedArgs<S>, io: CliIo) => Promise<CommandOutcome>;
}

/**
 * A command of the bin: call it with the arguments after its name and an {@link CliIo}; it answers the exit
 * code. It never throws: user mistakes print one line, anything unexpected prints one line (and the stack with
 * JOBLEDGER_DEBUG=1).
 *
 * @example
 * const code = await jobsCommand(['--status', 'Completed'], { stdout, stderr, env: {} });
 */
export interface CliCommand {
  (args: readonly string[], io: CliIo): Promise<number>;
  readonly command: string;
  /** One line for `jobledger --help`. */
  readonly summary: string;
  /** The full text for `jobledger <command> --help`. */
  readonly usage: string;
  /** What it was defined with (the bin's command line and shell completion read it). */
  readonly definition: CommandDefinition;
}

/**
 * Parses `argv` (see {@link parseCommandLine}) and runs the command it names, or prints the help or version it
 * asks for; answers the exit code.
 */
export const runCommandLine = async (
  definitions: readonly CommandDefinition[],
  argv: readonly string[],
  io: CliIo,
  program?: ProgramSpec,
): Promise<number> => {
  let name = definitions.length === 1 ? definitions[0]!.command : 'jobledger';
  try {
    // A terminal narrower than the help's width gets it wrapped to fit.
    const width = Math.min(helpWidth, io.stdout.columns ?? helpWidth);
    const line = parseCommandLine(definitions, argv, program, width);
    if (isCliFailure(line)) return reportFailure(io, line);
    if (line._tag === 'Print') {
      io[line.to].write(line.text);
      return line.exitCode;
    }
    name = line.command.command;
    const outcome = await line.command.run(line.parsed, io);
    return isCliFailure(outcome) ? reportFailure(io, outcome) : outcome;
  } catch (error) {
    return reportUnexpected(io, name, error);
  }
};

/**
 * Builds a {@link CliCommand}: commander parses the options (and answers `--help`), failures print as one line.
 *
 * @example
 * export const helloCommand = defineCommand({
 *   command: 'hello',
 *   summary: 'greet someone',
 *   description: 'Prints a greeting.',
 *   options: { name: { type: 'string', value: 'NAME', description: 'whom to greet (default: world)' } },
 *   run: async ({ values }, io) => {
 *     io.stdout.write(`hello ${values.name ?? 'world'}\n`);
 *     return 0;
 *   },
 * });
 */
export const defineCommand = <S extends OptionsSpec>(definition: CommandDefinition<S>): CliCommand => {
  const general = definition as unknown as CommandDefinition;
  const call = (args: readonly string[], io: CliIo): Promise<number> =>
    runCommandLine([general], [definition.command, ...args], io);
  return Object.assign(call, {
    command: definition.command,
    summary: definition.summary,
    usage: commandHelp(definition),
    definition: general,
  });
};
