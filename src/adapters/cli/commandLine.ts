import { Command, CommanderError, Option, type HelpConfiguration } from 'commander';
import { usageFailure, type CliFailure } from './cliFailure.js';
import type { OptionSpec, OptionsSpec, ParsedArgs } from './parseArgs.js';

/** What the command line knows of a command: its name, help, options and how many positionals it takes. */
export interface CommandSpec {
  readonly command: string;
  /** One line for `jobledger --help`. */
  readonly summary: string;
  /** The prose of the generated help, between the usage line and the options. */
  readonly description?: string;
  /**
   * The whole help text, written by hand, printed instead of the generated one (the first shape of
   * `defineCommand`, still accepted: the options need no descriptions then).
   */
  readonly usage?: string;
  /** The positionals in the usage line: `<jobId>`. */
  readonly arguments?: string;
  /** The values the shell completion offers for the positionals (`completion` → bash, zsh). */
  readonly argumentChoices?: readonly string[];
  readonly options: OptionsSpec;
  /** How many positionals it takes (default 0; `Infinity` for a command line after `--`). */
  readonly maxPositionals?: number;
}

/** The bin's own part of the command line: the version, and the text after the list of commands. */
export interface ProgramSpec {
  readonly version: string;
  /** Printed after the commands in `jobledger --help`. */
  readonly footer: string;
}

/** What a command line asks for: run a command with its parsed arguments, or print a text (help, version). */
export type CommandLine<C extends CommandSpec> =
  | { readonly _tag: 'Run'; readonly command: C; readonly parsed: ParsedArgs<OptionsSpec> }
  | {
      readonly _tag: 'Print';
      readonly text: string;
      readonly to: 'stdout' | 'stderr';
      readonly exitCode: 0 | 2;
    }
  | CliFailure;

/**
 * Help is laid out for this width, or a narrower terminal's; away from a terminal always for this one, so that
 * `--help` prints what a command's `usage` holds.
 */
export const helpWidth = 100;

const helpConfiguration = (width: number): HelpConfiguration => ({
  helpWidth: width,
  // The list of commands shows names only; `jobledger <command> --help` shows the rest.
  subcommandTerm: (cmd) => cmd.name(),
});

/** A failure found inside commander (an option event, a value parser), carried out of `parse`. */
class CommandLineFailure extends Error {
  constructor(readonly failure: CliFailure) {
    super(`${failure.what}; ${failure.todo}`);
  }
}

const seeHelp = (command: string): string => `run jobledger ${command} --help for its options`;

/** The first quoted word of a commander message: `error: unknown option '--colour'` → `--colour`. */
const quotedIn = (message: string): string => /'([^']*)'/.exec(message)?.[1] ?? '';

/** Commander's "did you mean" (`(Did you mean verify?)`), the suggestion only. */
const suggestionIn = (message: string): string | undefined => /\(Did you mean (.+?)\?\)/.exec(message)?.[1];

/** A commander error inside a command, as the same one line as before the bin used commander. */
const commandFailure = (error: CommanderError, spec: CommandSpec): CliFailure => {
  const { command } = spec;
  if (error.code === 'commander.unknownOption') {
    const flag = quotedIn(error.message);
    const name = flag.split('=')[0]!;
    const option = name.startsWith('--')
      ? Object.entries(spec.options).find(([n]) => `--${n}` === name)
      : undefined;
    if (option !== undefined && option[1].type === 'boolean' && flag.includes('='))
      return usageFailure(`${name} is a flag and takes no value`, `write just ${name}`);
    const suggestion = suggestionIn(error.message);
    return usageFailure(
      `unknown option ${name} for ${command}`,
      `${seeHelp(command)}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
    );
  }
  if (error.code === 'commander.optionMissingArgument') {
    const name = quotedIn(error.message).split(' ')[0]!;
    return usageFailure(`${name} needs a value`, `write ${name} <value> (${seeHelp(command)})`);
  }
  return usageFailure(error.message.replace(/^error: /, ''), seeHelp(command));
};

/** A commander error before any command: an unknown command, an option in front of the command. */
const programFailure = (error: CommanderError): CliFailure => {
  if (error.code === 'commander.unknownCommand') {
    const suggestion = suggestionIn(error.message);
    return usageFailure(
      `unknown command ${JSON.stringify(quotedIn(error.message))}`,
      `${suggestion === undefined ? '' : `did you mean jobledger ${suggestion}? `}run jobledger --help for the commands`,
    );
  }
  if (error.code === 'commander.unknownOption')
    return usageFailure(
      `${quotedIn(error.message)} must come after a command`,
      'run jobledger --help for the commands',
    );
  return usageFailure(error.message.replace(/^error: /, ''), 'run jobledger --help for the commands');
};

/** `--size <N>` for a value option, `--json` for a flag. */
const flagsOf = (name: string, option: OptionSpec): string =>
  option.type === 'boolean' ? `--${name}` : `--${name} <${option.value ?? 'value'}>`;

/** Refuses what commander lets through: an option given twice, an empty value, a value that is an option. */
const checkOption = (
  command: string,
  name: string,
  option: OptionSpec,
  value: string | undefined,
  seen: Set<string>,
): void => {
  if (option.multiple !== true && seen.has(name))
    throw new CommandLineFailure(
      usageFailure(`--${name} was given twice`, `give it once (${seeHelp(command)})`),
    );
  seen.add(name);
  if (option.type === 'string' && (value === undefined || value === '' || value.startsWith('--')))
    throw new CommandLineFailure(
      usageFailure(`--${name} needs a value`, `write --${name} <value> (${seeHelp(command)})`),
    );
};

/** Adds `spec` to `program` as a commander command whose action hands its parsed arguments to `chosen`. */
const addCommand = (
  program: Command,
  spec: CommandSpec,
  width: number,
  chosen: (parsed: ParsedArgs<OptionsSpec>) => void,
): Command => {
  const cmd = program
    .command(spec.command)
    .summary(spec.summary)
    .description(spec.description ?? spec.summary)
    .usage(`[options]${spec.arguments === undefined ? '' : ` ${spec.arguments}`}`)
    // Positionals are counted below, to refuse the first extra one by name.
    .allowExcessArguments(true);
  if (spec.usage !== undefined) {
    const text = spec.usage.endsWith('\n') ? spec.usage : `${spec.usage}\n`;
    cmd.configureHelp({ ...helpConfiguration(width), formatHelp: () => text });
  }
  cmd.exitOverride((error) => {
    throw Object.assign(error, { spec });
  });
  const seen = new Set<string>();
  const attributes: [string, string][] = [];
  for (const [name, option] of Object.entries(spec.options)) {
    const commanderOption = new Option(flagsOf(name, option), option.description ?? '');
    if (option.multiple === true)
      commanderOption.argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        value,
      ]);
    cmd.addOption(commanderOption);
    attributes.push([name, commanderOption.attributeName()]);
    // Runs after commander stored the value (its own listener comes first).
    cmd.on(`option:${name}`, (value: string | undefined) =>
      checkOption(spec.command, name, option, value, seen),
    );
  }
  cmd.action((_options: unknown, self: Command) => {
    const values: Record<string, unknown> = {};
    for (const [name, attribute] of attributes) {
      const value: unknown = self.getOptionValue(attribute);
      if (value !== undefined) values[name] = value;
    }
    chosen({ values: values as ParsedArgs<OptionsSpec>['values'], positionals: [...self.args], help: false });
  });
  return cmd;
};

/** A commander program over `commands`, writing into `output` instead of the process's streams. */
const programOf = <C extends CommandSpec>(
  commands: readonly C[],
  program: ProgramSpec | undefined,
  width: number,
  output: { out: string; err: string },
  chosen: (line: CommandLine<C>) => void,
): Command => {
  const root = new Command('jobledger')
    .usage('<command> [options] [--store URL]')
    .configureHelp(helpConfiguration(width))
    .configureOutput({
      writeOut: (text) => (output.out += text),
      writeErr: (text) => (output.err += text),
      // Errors become one line of ours; commander's own text is not printed.
      outputError: () => undefined,
    })
    .exitOverride((error) => {
      throw error;
    })
    .helpOption('-h, --help', 'print this help')
    .helpCommand(false);
  if (program !== undefined) {
    root
      .version(program.version, '-v, --version', "print jobledger's version")
      .addHelpText('after', `\n${program.footer}`);
  }
  for (const command of commands) {
    addCommand(root, command, width, (parsed) => {
      const max = command.maxPositionals ?? 0;
      const extra = parsed.positionals[max];
      chosen(
        extra === undefined
          ? { _tag: 'Run', command, parsed }
          : usageFailure(
              `unexpected argument ${JSON.stringify(extra)} for ${command.command}`,
              max === 0
                ? `${command.command} takes only options; ${seeHelp(command.command)}`
                : seeHelp(command.command),
            ),
      );
    });
  }
  if (program !== undefined) {
    root
      .command('help')
      .summary('print the help of a command, or this help')
      .usage('[command]')
      .argument('[command]')
      .action((topic: string | undefined) => {
        const sub = root.commands.find((c) => c.name() === topic);
        if (topic !== undefined && sub === undefined) {
          chosen(usageFailure(`no command ${topic}`, 'run jobledger --help for the commands'));
          return;
        }
        // outputHelp, unlike helpInformation, adds the text after the commands (the footer).
        (sub ?? root).outputHelp();
        chosen({ _tag: 'Print', text: output.out, to: 'stdout', exitCode: 0 });
      });
  }
  return root;
};

/**
 * Reads a command line with commander: `argv` starts with the command's name (or, with `program`, is anything
 * a user may type after `jobledger`). Never throws for a user's mistake: that is a {@link CliFailure} with the
 * exit code 2. Help it prints is wrapped at `width` columns.
 *
 * @example
 * parseCommandLine([{ command: 'jobs', summary: 'list jobs', options: { json: { type: 'boolean' } } }], ['jobs', '--json']);
 * // { _tag: 'Run', command: …, parsed: { values: { json: true }, positionals: [], help: false } }
 */
export const parseCommandLine = <C extends CommandSpec>(
  commands: readonly C[],
  argv: readonly string[],
  program?: ProgramSpec,
  width = helpWidth,
): CommandLine<C> => {
  const output = { out: '', err: '' };
  let line: CommandLine<C> | undefined;
  const root = programOf(commands, program, width, output, (chosen) => (line = chosen));
  try {
    root.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommandLineFailure) return error.failure;
    if (!(error instanceof CommanderError)) throw error;
    const spec = (error as CommanderError & { spec?: CommandSpec }).spec;
    switch (error.code) {
      case 'commander.helpDisplayed':
      case 'commander.version':
        return { _tag: 'Print', text: output.out, to: 'stdout', exitCode: 0 };
      case 'commander.help':
        // No command at all: the usage, on stderr, as a wrong command line.
        return { _tag: 'Print', text: output.err, to: 'stderr', exitCode: 2 };
      default:
        return spec === undefined ? programFailure(error) : commandFailure(error, spec);
    }
  }
  return line ?? { _tag: 'Print', text: root.helpInformation(), to: 'stderr', exitCode: 2 };
};

/**
 * The help `jobledger <command> --help` prints: generated from the spec (usage line, description, options),
 * or the hand-written `usage` when the spec has one.
 */
export const commandHelp = (spec: CommandSpec): string => {
  const root = programOf([spec], undefined, helpWidth, { out: '', err: '' }, () => undefined);
  return root.commands[0]!.helpInformation();
};
