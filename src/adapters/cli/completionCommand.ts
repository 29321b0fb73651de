import { usageFailure } from './cliFailure.js';
import { bashCompletion, completionShells, zshCompletion } from './completionScripts.js';
import { defineCommand, type CliCommand } from './defineCommand.js';

/**
 * `jobledger completion bash|zsh`: prints a completion script for the commands `commandsOf` answers (read when
 * the command runs, so it includes itself and every command defined after it).
 *
 * @example
 * // source <(jobledger completion bash)
 * export const commands = [jobsCommand, completionCommand(() => commands)];
 */
export const completionCommand = (commandsOf: () => readonly CliCommand[]): CliCommand =>
  defineCommand({
    command: 'completion',
    summary: 'print a bash or zsh script that completes commands, options and their values',
    description: `Prints a script that completes jobledger's commands, their options, and the values of options that take one of a few (such as jobs --status). Other values, and everything after --, get the shell's own completion (file names).

bash: source <(jobledger completion bash) in ~/.bashrc, or save it once: jobledger completion bash > ~/.local/share/bash-completion/completions/jobledger

zsh: save it as _jobledger in a directory of $fpath before compinit runs: jobledger completion zsh > "\${fpath[1]}/_jobledger"; or source <(jobledger completion zsh) in ~/.zshrc after compinit.`,
    arguments: '<bash|zsh>',
    argumentChoices: completionShells,
    options: {},
    maxPositionals: 1,
    run: async ({ positionals }, io) => {
      const shell = positionals[0];
      if (shell === undefined)
        return usageFailure('completion needs a shell, bash or zsh', 'write jobledger completion bash');
      const specs = commandsOf().map((c) => c.definition);
      if (shell === 'bash') io.stdout.write(bashCompletion(specs));
      else if (shell === 'zsh') io.stdout.write(zshCompletion(specs));
      else
        return usageFailure(
          `completion writes scripts for bash and zsh, not ${JSON.stringify(shell)}`,
          'write jobledger completion bash or jobledger completion zsh',
        );
      return 0;
    },
  });
