import * as E from 'fp-ts/lib/Either.js';
import { isCliFailure, reportFailure, reportUnexpected, type CliFailure } from './cliFailure.js';
import type { CliIo } from './CliIo.js';
import { parseArgs, type OptionsSpec, type ParsedArgs } from './parseArgs.js';

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
}

/** What a command body answers: an exit code, or a failure to print. */
export type CommandOutcome = number | CliFailure;

/** Builds a {@link CliCommand}: parses the options, answers `--help`, prints failures as one line. */
export const defineCommand = <S extends OptionsSpec>(definition: {
  readonly command: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: S;
  readonly maxPositionals?: number;
  readonly run: (parsed: ParsedArgs<S>, io: CliIo) => Promise<CommandOutcome>;
}): CliCommand => {
  const { command, summary, usage, options, maxPositionals = 0, run } = definition;
  const call = async (args: readonly string[], io: CliIo): Promise<number> => {
    try {
      const parsed = parseArgs(args, options, command, maxPositionals);
      if (E.isLeft(parsed)) return reportFailure(io, parsed.left);
      if (parsed.right.help) {
        io.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
        return 0;
      }
      const outcome = await run(parsed.right, io);
      return isCliFailure(outcome) ? reportFailure(io, outcome) : outcome;
    } catch (error) {
      return reportUnexpected(io, command, error);
    }
  };
  return Object.assign(call, { command, summary, usage });
};
