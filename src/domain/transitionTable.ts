import { jobMachine } from './jobMachine.js';
import { isJobStatusName, jobStatusNames, type JobStatusName } from './JobStatusName.js';

/** `transitionTable[from]` lists the statuses `from` may move to, derived from {@link jobMachine} at load. */
export type TransitionTable = Readonly<Record<JobStatusName, readonly JobStatusName[]>>;

const deriveTable = (): TransitionTable => {
  const table = {} as Record<JobStatusName, JobStatusName[]>;
  for (const from of jobStatusNames) {
    const node = jobMachine.root.states[from];
    if (node === undefined)
      throw new Error(`jobMachine has no state ${from}: every JobStatusName must be a state`);
    const targets: JobStatusName[] = [];
    for (const [eventType, transitions] of node.transitions) {
      const to = eventType.slice('to.'.length);
      const target = transitions[0]?.target?.[0]?.key;
      if (!eventType.startsWith('to.') || !isJobStatusName(to) || target !== to) {
        throw new Error(
          `jobMachine state ${from}: event ${eventType} must target the status it names, got ${target}`,
        );
      }
      targets.push(to);
    }
    table[from] = targets;
  }
  return table;
};

/** The flat transition table folded during replay (about 10^8 lookups/s instead of ~10^4/s via `transition()`). */
export const transitionTable: TransitionTable = deriveTable();

// A bitmask per state makes `canTransition` a shift and an AND on the replay hot path.
const statusIndex = new Map<JobStatusName, number>(jobStatusNames.map((s, i) => [s, i]));
const masks = new Map<JobStatusName, number>(
  jobStatusNames.map((from) => [
    from,
    transitionTable[from].reduce((mask, to) => mask | (1 << statusIndex.get(to)!), 0),
  ]),
);

/** True when the machine has the edge `from -> to`. */
export const canTransition = (from: JobStatusName, to: JobStatusName): boolean => {
  const mask = masks.get(from);
  const bit = statusIndex.get(to);
  return mask !== undefined && bit !== undefined && (mask & (1 << bit)) !== 0;
};

/** The statuses the machine allows from `from` (empty for terminal states). */
export const allowedTargets = (from: JobStatusName): readonly JobStatusName[] => transitionTable[from];
