import type { CommandSpec } from './commandLine.js';
import type { OptionSpec } from './parseArgs.js';

/** The shells `jobledger completion` writes a script for. */
export const completionShells = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof completionShells)[number];

/** A word a script may hold unquoted inside single quotes and a completion list: no spaces, quotes, globs. */
const plainWord = /^[\w.:/@%+,=-]+$/;

/** The commands and options a script completes: the bin's own commands, then `help`. */
const withHelp = (commands: readonly CommandSpec[]): readonly CommandSpec[] => [
  ...commands,
  {
    command: 'help',
    summary: 'print the help of a command, or this help',
    options: {},
    maxPositionals: 1,
    argumentChoices: commands.map((c) => c.command),
  },
];

const choicesOf = (option: OptionSpec): readonly string[] =>
  (option.choices ?? []).filter((choice) => plainWord.test(choice));

/** One line of help text for a script: whitespace collapsed, at most 80 characters. */
const shortText = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
};

/** `text` as one single-quoted shell word. */
const quoted = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

const scriptHeader = (shell: CompletionShell, install: string): string =>
  `# ${shell} completion for jobledger, written by: jobledger completion ${shell}
# In this shell: source <(jobledger completion ${shell})
# In every new shell: ${install}
`;

/**
 * A bash script that completes jobledger's commands, their options and the values listed as `choices` (other
 * values and everything after `--` get bash's default completion, file names). Plain bash: it needs no
 * bash-completion package.
 *
 * @example
 * bashCompletion(commands.map((c) => c.definition)); // "# bash completion for jobledger…complete -o default -F _jobledger jobledger\n"
 */
export const bashCompletion = (commands: readonly CommandSpec[]): string => {
  const all = withHelp(commands);
  const cases = all.map((spec) => {
    const options = Object.entries(spec.options);
    const valueCases = options
      .filter(([, option]) => option.type === 'string')
      .map(([name, option]) => {
        const choices = choicesOf(option);
        return choices.length === 0
          ? `        --${name}) return 0 ;;`
          : `        --${name}) words=${quoted(choices.join(' '))} ;;`;
      });
    const words = [
      ...options.map(([name]) => `--${name}`),
      '--help',
      ...(spec.argumentChoices ?? []).filter((w) => plainWord.test(w)),
    ];
    return [
      `    ${spec.command})`,
      '      case $option in',
      ...valueCases,
      `        *) words=${quoted(words.join(' '))} ;;`,
      '      esac ;;',
    ].join('\n');
  });
  return `${scriptHeader('bash', 'jobledger completion bash > ~/.local/share/bash-completion/completions/jobledger')}
_jobledger() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} option words i
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W ${quoted([...all.map((c) => c.command), '--help', '--version'].join(' '))} -- "$cur"))
    return 0
  fi
  # After --, the words are a command line of their own: bash's default completion.
  for ((i = 2; i < COMP_CWORD; i++)); do
    [[ \${COMP_WORDS[i]} == -- ]] && return 0
  done
  # bash splits --name=value at the '=' into three words: --name, =, value.
  option=$prev
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]]; then
    option=\${COMP_WORDS[COMP_CWORD-2]}
  fi
  case \${COMP_WORDS[1]} in
${cases.join('\n')}
    *) return 0 ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _jobledger jobledger
`;
};

/** Text inside the brackets of an `_arguments` spec, which must not hold an unescaped bracket. */
const zshExplanation = (text: string): string => shortText(text).replace(/([\\[\]])/g, '\\$1');

const zshOption = (name: string, option: OptionSpec): string => {
  const explanation = `[${zshExplanation(option.description ?? '')}]`;
  if (option.type === 'boolean') return quoted(`--${name}${explanation}`);
  const choices = choicesOf(option);
  const action = choices.length === 0 ? '_default' : `(${choices.join(' ')})`;
  const value = (option.value ?? 'value').replace(/:/g, '');
  return quoted(`${option.multiple === true ? '*' : ''}--${name}=${explanation}:${value}:${action}`);
};

const zshPositionals = (spec: CommandSpec): string[] => {
  const choices = (spec.argumentChoices ?? []).filter((w) => plainWord.test(w));
  if (choices.length > 0) return [quoted(`1:argument:(${choices.join(' ')})`)];
  return (spec.maxPositionals ?? 0) > 0 ? [quoted('*:argument:_default')] : [];
};

/**
 * A zsh script (for compinit) that completes jobledger's commands with their summaries, their options with
 * their descriptions, and the values listed as `choices`; an option that may not repeat is not offered twice.
 *
 * @example
 * zshCompletion(commands.map((c) => c.definition)); // "#compdef jobledger\n…"
 */
export const zshCompletion = (commands: readonly CommandSpec[]): string => {
  const all = withHelp(commands);
  const help = `'(- *)'{-h,--help}'[print this help]'`;
  const cases = all.map((spec) => {
    const specs = [
      ...Object.entries(spec.options).map(([name, option]) => zshOption(name, option)),
      help,
      ...zshPositionals(spec),
    ];
    return `        ${spec.command})\n          _arguments -S \\\n            ${specs.join(' \\\n            ')} && ret=0 ;;`;
  });
  return `#compdef jobledger
${scriptHeader('zsh', 'jobledger completion zsh > "${fpath[1]}/_jobledger" (a directory in $fpath), then compinit')}
_jobledger() {
  local curcontext=$curcontext state line ret=1
  typeset -A opt_args
  local -a commands
  commands=(
${all.map((c) => `    ${quoted(`${c.command}:${shortText(c.summary)}`)}`).join('\n')}
  )
  _arguments -C \\
    ${help} \\
    '(- *)'{-v,--version}'[print the version]' \\
    '1: :->command' \\
    '*:: :->argument' && ret=0
  case $state in
    command)
      _describe -t commands 'jobledger command' commands && ret=0 ;;
    argument)
      curcontext=\${curcontext%:*:*}:jobledger-$words[1]:
      case $words[1] in
${cases.join('\n')}
      esac ;;
  esac
  return ret
}

if [[ $funcstack[1] == _jobledger ]]; then
  _jobledger "$@"
else
  compdef _jobledger jobledger
fi
`;
};
