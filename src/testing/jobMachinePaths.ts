import { getShortestPaths } from 'xstate/graph';
import { jobMachine, toEvent } from '../domain/jobMachine.js';
import { jobStatusNames, type JobStatusName } from '../domain/JobStatusName.js';
import { transitionTable } from '../domain/transitionTable.js';

/** A path through the status machine from Created that ends by taking `edge`. */
export interface EdgePath {
  readonly edge: readonly [from: JobStatusName, to: JobStatusName];
  /** The statuses entered after Created, in order; the last one is `edge[1]`. */
  readonly statuses: readonly JobStatusName[];
}

/**
 * One path per edge of the machine: the shortest path to the edge's source state (from `xstate/graph`'s
 * `getShortestPaths`, which `createTestModel(...).getShortestPaths()` builds on), then the edge. Drive each through your system to cover every edge.
 *
 * @example
 * for (const path of jobMachineEdgePaths()) driveThroughLedger(path.statuses);
 */
export const jobMachineEdgePaths = (): EdgePath[] => {
  const toState = new Map<JobStatusName, JobStatusName[]>([['Created', []]]);
  for (const path of getShortestPaths(jobMachine, { events: jobStatusNames.map(toEvent) })) {
    const state = path.state.value as JobStatusName;
    const statuses = path.steps.slice(1).map((step) => step.state.value as JobStatusName);
    const known = toState.get(state);
    if (known === undefined || statuses.length < known.length) toState.set(state, statuses);
  }
  const paths: EdgePath[] = [];
  for (const from of jobStatusNames) {
    const prefix = toState.get(from);
    if (prefix === undefined) continue;
    for (const to of transitionTable[from]) paths.push({ edge: [from, to], statuses: [...prefix, to] });
  }
  return paths;
};
