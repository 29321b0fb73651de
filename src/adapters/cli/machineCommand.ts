import * as E from 'fp-ts/lib/Either.js';
import { jobMachine } from '../../domain/jobMachine.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';
import { transitionTable, type TransitionTable } from '../../domain/transitionTable.js';
import { defineCommand } from './defineCommand.js';
import { choiceOption } from './parseArgs.js';

/**
 * The status machine as a Mermaid `stateDiagram-v2`, drawn from the derived table (so the diagram can never
 * disagree with what the ledger enforces): the initial state, every edge, and the terminal states.
 *
 * @example
 * machineAsMermaid(transitionTable, 'Created'); // "stateDiagram-v2\n    [*] --> Created\n    Created --> Pending\n..."
 */
export const machineAsMermaid = (table: TransitionTable, initial: string): string => {
  const lines = ['stateDiagram-v2', `    [*] --> ${initial}`];
  for (const from of jobStatusNames) for (const to of table[from]) lines.push(`    ${from} --> ${to}`);
  for (const from of jobStatusNames) if (table[from].length === 0) lines.push(`    ${from} --> [*]`);
  return `${lines.join('\n')}\n`;
};

const machineFormats = ['mermaid', 'json'] as const;

const initialStatus = (): string => {
  const initial = jobMachine.config.initial;
  return typeof initial === 'string' ? initial : jobStatusNames[0]!;
};

/** `jobledger machine`: the status machine as Mermaid (default) or as the JSON transition table. */
export const machineCommand = defineCommand({
  command: 'machine',
  summary: 'print the job status machine (Mermaid diagram or JSON)',
  description:
    'Prints the job status machine, derived from the machine the ledger enforces: as a Mermaid stateDiagram-v2 to paste into Markdown between ```mermaid fences, or as the transition table in JSON, { "<from>": ["<to>", ...], ... }.',
  options: {
    format: {
      type: 'string',
      value: 'F',
      choices: machineFormats,
      description: 'mermaid (default) or json',
    },
  },
  run: async ({ values }, io) => {
    const format = choiceOption('format', values.format ?? 'mermaid', machineFormats);
    if (E.isLeft(format)) return format.left;
    io.stdout.write(
      format.right === 'json'
        ? `${JSON.stringify(transitionTable, null, 2)}\n`
        : machineAsMermaid(transitionTable, initialStatus()),
    );
    return 0;
  },
});
