import { jobMachine } from '../../domain/jobMachine.js';
import { isTerminalStatus, jobStatusNames, type JobStatusName } from '../../domain/JobStatusName.js';
import { transitionTable, type TransitionTable } from '../../domain/transitionTable.js';

/** One status placed on the page's picture of the machine (box centres, in SVG user units). */
export interface PlacedStatus {
  readonly name: JobStatusName;
  readonly x: number;
  readonly y: number;
  readonly terminal: boolean;
}

/** The machine as the page draws it: every status at a place, every edge of the transition table. */
export interface MachineLayout {
  readonly initial: JobStatusName;
  readonly width: number;
  readonly height: number;
  readonly box: { readonly width: number; readonly height: number };
  readonly states: readonly PlacedStatus[];
  readonly edges: readonly { readonly from: JobStatusName; readonly to: JobStatusName }[];
}

const column = { gap: 150, margin: 96 };
const row = { gap: 64, margin: 34 };

/**
 * Lays the machine out in columns, from the machine itself: a status sits as many columns right of the initial
 * one as the fewest transitions that reach it, terminal statuses in the last column; statuses of one column in
 * the SDK's order. Every edge of `table` is in the layout, so the picture shows exactly what the ledger enforces.
 */
export const machineLayout = (
  table: TransitionTable = transitionTable,
  initial: JobStatusName = jobMachine.config.initial as JobStatusName,
): MachineLayout => {
  const depth = new Map<JobStatusName, number>([[initial, 0]]);
  const queue: JobStatusName[] = [initial];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const to of table[from])
      if (!depth.has(to) && !isTerminalStatus(to)) {
        depth.set(to, depth.get(from)! + 1);
        queue.push(to);
      }
  }
  const last = Math.max(...depth.values()) + 1;
  const columns = new Map<number, JobStatusName[]>();
  for (const name of jobStatusNames) {
    const c = isTerminalStatus(name) ? last : (depth.get(name) ?? last);
    columns.set(c, [...(columns.get(c) ?? []), name]);
  }
  const rows = Math.max(...[...columns.values()].map((names) => names.length));
  const height = row.margin * 2 + (rows - 1) * row.gap;
  const states: PlacedStatus[] = [];
  for (const [c, names] of columns)
    names.forEach((name, i) =>
      states.push({
        name,
        x: column.margin + c * column.gap,
        y: height / 2 + (i - (names.length - 1) / 2) * row.gap,
        terminal: isTerminalStatus(name),
      }),
    );
  return {
    initial,
    width: column.margin * 2 + last * column.gap,
    height,
    box: { width: 104, height: 30 },
    states: jobStatusNames.map((name) => states.find((s) => s.name === name)!),
    edges: jobStatusNames.flatMap((from) => table[from].map((to) => ({ from, to }))),
  };
};
