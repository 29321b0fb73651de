import * as E from 'fp-ts/lib/Either.js';
import { usageFailure, type CliFailure } from './cliFailure.js';

/** One `--name` option: a flag (`boolean`) or an option with a value (`string`, given as `--name v` or `--name=v`). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
}

/** The options a command accepts, by name (without the leading `--`). */
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** The values found for a spec: strings for value options, `true` for flags that were given. */
export type OptionValues<S extends OptionsSpec> = {
  readonly [K in keyof S]?: S[K]['type'] extends 'boolean' ? true : string;
};

/** A parsed command line. */
export interface ParsedArgs<S extends OptionsSpec> {
  readonly values: OptionValues<S>;
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given: print the usage and do nothing else. */
  readonly help: boolean;
}

/**
 * Parses the arguments after the command name. Everything not in `spec` is refused with a message that names
 * the option and says where the options are listed; `--` ends the options.
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
  const seeHelp = `run jobledger ${command} --help for its options`;
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) return E.left(usageFailure(`unknown option ${arg} for ${command}`, seeHelp));
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (option === undefined) return E.left(usageFailure(`unknown option --${name} for ${command}`, seeHelp));
    if (Object.hasOwn(values, name))
      return E.left(usageFailure(`--${name} was given twice`, `give it once (${seeHelp})`));
    if (option.type === 'boolean') {
      if (eq !== -1)
        return E.left(usageFailure(`--${name} is a flag and takes no value`, `write just --${name}`));
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) value = args[++i];
    if (value === undefined || value === '')
      return E.left(usageFailure(`--${name} needs a value`, `write --${name} <value> (${seeHelp})`));
    values[name] = value;
  }
  if (!help && positionals.length > maxPositionals) {
    const extra = positionals[maxPositionals]!;
    return E.left(
      usageFailure(
        `unexpected argument ${JSON.stringify(extra)} for ${command}`,
        maxPositionals === 0 ? `${command} takes only options; ${seeHelp}` : seeHelp,
      ),
    );
  }
  return E.right({ values: values as OptionValues<S>, positionals, help });
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
