import { setup } from 'xstate';
import type { JobStatusName } from './JobStatusName.js';

/**
 * The event that asks the machine to move a job to status `S`: `{ type: 'to.Pending' }`, ...
 * One event per target status keeps the (state, status) pairs of DESIGN section 2 one-to-one with the machine.
 */
export type JobMachineEvent = { type: `to.${JobStatusName}` };

/** The machine event that asks for `status`. */
export const toEvent = (status: JobStatusName): JobMachineEvent => ({ type: `to.${status}` });

/**
 * The job status machine: the single source of truth for legal transitions (DESIGN section 2).
 *
 * No `invoke`, no `after`, no side-effect actions: time-outs (lease expiry) are explicit events from outside.
 * Who may drive an edge is not in the machine but in `policy.ts`. Replays use the flat table derived from
 * this machine in `transitionTable.ts`, which a test proves equal to it.
 *
 * @example
 * import { transition } from 'xstate';
 * import { jobMachine } from 'jobledger';
 * const [next] = transition(jobMachine, jobMachine.resolveState({ value: 'Pending' }), { type: 'to.Claimed' });
 * next.value; // 'Claimed'
 */
export const jobMachine = setup({
  types: {} as { events: JobMachineEvent },
}).createMachine({
  id: 'job',
  initial: 'Created',
  states: {
    Created: {
      on: { 'to.Pending': 'Pending', 'to.Failed': 'Failed', 'to.Canceled': 'Canceled' },
    },
    Pending: {
      on: { 'to.Claimed': 'Claimed', 'to.Failed': 'Failed', 'to.Canceled': 'Canceled' },
    },
    Claimed: {
      on: {
        'to.Pending': 'Pending', // release
        'to.Validating': 'Validating',
        'to.Running': 'Running',
        'to.Failed': 'Failed',
        'to.Canceled': 'Canceled',
      },
    },
    Validating: {
      on: {
        'to.Pending': 'Pending', // release
        'to.Running': 'Running',
        'to.Failed': 'Failed',
        'to.Canceled': 'Canceled',
      },
    },
    Running: {
      on: {
        'to.Uploading': 'Uploading',
        'to.Completed': 'Completed',
        'to.Failed': 'Failed',
        'to.Canceled': 'Canceled',
        'to.Unknown': 'Unknown',
      },
    },
    Uploading: {
      on: {
        'to.Completed': 'Completed',
        'to.Failed': 'Failed',
        'to.Canceled': 'Canceled',
        'to.Unknown': 'Unknown',
      },
    },
    Unknown: {
      on: {
        'to.Pending': 'Pending', // requeue
        'to.Running': 'Running',
        'to.Uploading': 'Uploading',
        'to.Completed': 'Completed',
        'to.Failed': 'Failed',
        'to.Canceled': 'Canceled',
      },
    },
    Completed: { type: 'final' },
    Failed: { type: 'final' },
    Canceled: { type: 'final' },
  },
});
