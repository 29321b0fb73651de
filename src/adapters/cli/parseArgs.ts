import * as E from 'fp-ts/lib/Either.js';
import { usageFailure, type CliFailure } from './cliFailure.js';
import { parseCommandLine } from './commandLine.js';

/**
 * One `--name` option: a flag (`boolean`) or an option with a value (`string`, given as `--name v` or
 * `--name=v`; a value never starts with `--`, so `--size --json` is a missing value, not the value "--json").
 * `multiple` value options may be given more than once (`--function a --function b`); any other option given
 * twice is refused.
 */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** What the option does, for the generated help (`jobledger <command> --help`) and zsh completion. */
  readonly description?: string;
  /** The value's name in the help: `--size <N>` (default `value`). */
  readonly value?: string;
  /** The values the shell completion offers (`--format` → mermaid, json). The command still checks the value. */
  readonly choices?: readonly string[];
}

/** The options a command accepts, by name (without the leading `--`). */
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** The values found for a spec: strings for value options (arrays for `multiple`), `true` for flags given. */
export type OptionValues<S extends OptionsSpec> = {
  readonly [K in keyof S]?: S[K]['type'] extends 'boolean'
    ? true
    : S[K]['multiple'] extends true
      ? readonly string[]
      : string;
};

/** A parsed command line. */
export interface ParsedArgs<S extends OptionsSpec> {
  readonly values: OptionValues<S>;
  /** The arguments that are not options, in order; everything after `--` is one. */
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given: print the usage and do nothing else. */
  readonly help: boolean;
}

/**
 * Parses the arguments after the command name (with commander, as the bin does). Everything not in `spec` is
 * refused with a message that names the option and says where the options are listed; `--` ends the options.
 *
 * @example
 * parseArgs(['--size', '20', '--json'], { size: { type: 'string' }, json: { type: 'boolean' } }, 'jobs', 0);
 * // right({ values: { size: '20', json: true }, positionals: [], help: false })
 */
export const parseArgs = <S extends OptionsSpec>(
  args: readonly string[],
  spec: S,
  command: string,
  maxPositionals: number,
): E.Either<CliFailure, ParsedArgs<S>> => {
  const line = parseCommandLine(
    [{ command, summary: command, options: spec, maxPositionals }],
    [command, ...args],
  );
  if (line._tag === 'CliFailure') return E.left(line);
  if (line._tag === 'Print') return E.right({ values: {}, positionals: [], help: true });
  return E.right(line.parsed as ParsedArgs<S>);
};

/**
 * Reads a whole number in `[min, max]` from an option value.
 *
 * @example
 * integerOption('size', '20', 1, 100); // right(20)
 */
export const integerOption = (
  name: string,
  text: string,
  min: number,
  max: number,
): E.Either<CliFailure, number> => {
  const n = /^[+]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max
    ? E.right(n)
    : E.left(
        usageFailure(
          `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`,
          `for example --${name} ${Math.min(Math.max(min, 10), max)}`,
        ),
      );
};

/**
 * Reads one of `choices` from an option value; letter case does not matter (`--status completed` is fine).
 */
export const choiceOption = <C extends string>(
  name: string,
  text: string,
  choices: readonly C[],
): E.Either<CliFailure, C> => {
  const found = choices.find((c) => c.toLowerCase() === text.trim().toLowerCase());
  return found !== undefined
    ? E.right(found)
    : E.left(
        usageFailure(
          `--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`,
          `for example --${name} ${choices[0]}`,
        ),
      );
};
