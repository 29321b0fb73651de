import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { jobMachine, toEvent } from '../../src/domain/jobMachine.js';
import { jobStatusNames, terminalStatuses } from '../../src/domain/JobStatusName.js';
import { allowedTargets, canTransition, transitionTable } from '../../src/domain/transitionTable.js';
import { jobMachineEdgePaths } from '../../src/testing/jobMachinePaths.js';

// DESIGN section 2, written out by hand: the table the machine must implement.
const designTable: Record<string, string[]> = {
  Created: ['Pending', 'Failed', 'Canceled'],
  Pending: ['Claimed', 'Failed', 'Canceled'],
  Claimed: ['Pending', 'Validating', 'Running', 'Failed', 'Canceled'],
  Validating: ['Pending', 'Running', 'Failed', 'Canceled'],
  Running: ['Uploading', 'Completed', 'Failed', 'Canceled', 'Unknown'],
  Uploading: ['Completed', 'Failed', 'Canceled', 'Unknown'],
  Unknown: ['Pending', 'Running', 'Uploading', 'Completed', 'Failed', 'Canceled'],
  Completed: [],
  Failed: [],
  Canceled: [],
};

describe('the derived transition table', () => {
  it('agrees with xstate transition() for every (state, status) pair', () => {
    for (const from of jobStatusNames) {
      const snapshot = jobMachine.resolveState({ value: from, context: undefined });
      for (const to of jobStatusNames) {
        const [next] = transition(jobMachine, snapshot, toEvent(to));
        // The machine takes the edge when it handles the event and lands on `to`.
        const machineTakes = snapshot.can(toEvent(to)) && next.value === to;
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(machineTakes);
      }
    }
  });

  it('is exactly the table of DESIGN section 2', () => {
    for (const from of jobStatusNames)
      expect([...allowedTargets(from)].sort(), from).toEqual([...designTable[from]!].sort());
  });

  it('terminal states have no way out', () => {
    for (const s of terminalStatuses) expect(transitionTable[s]).toEqual([]);
  });

  it('the machine has no invoke, no delayed transitions and no actions', () => {
    const json = JSON.stringify(jobMachine.definition);
    expect(jobMachine.definition.invoke).toEqual([]);
    for (const node of Object.values(jobMachine.root.states)) {
      expect(node.invoke, node.key).toEqual([]);
      expect(node.after, node.key).toEqual([]);
      expect(node.entry, node.key).toEqual([]);
      expect(node.exit, node.key).toEqual([]);
      for (const [, ts] of node.transitions) for (const t of ts) expect(t.actions, node.key).toEqual([]);
    }
    expect(json).not.toContain('xstate.after');
  });

  it('every edge of the machine is covered by a model-based path from xstate/graph', () => {
    const paths = jobMachineEdgePaths();
    const covered = new Set(paths.map((p) => p.edge.join('>')));
    const edges = jobStatusNames.flatMap((from) => transitionTable[from].map((to) => `${from}>${to}`));
    expect([...covered].sort()).toEqual(edges.sort());
    // Each path is walkable in the real machine.
    for (const path of paths) {
      let snapshot = jobMachine.resolveState({ value: 'Created', context: undefined });
      for (const status of path.statuses) {
        [snapshot] = transition(jobMachine, snapshot, toEvent(status));
        expect(snapshot.value).toBe(status);
      }
    }
  });
});
