/**
 * `jobledger/testing`: the test kit. Needs `vitest` (for the contract suite) and `fast-check` (for the
 * arbitraries) in your dev dependencies.
 *
 * @example
 * import { eventStoreContract, decideSpec, jobMachineEdgePaths, jobScenarioArb } from 'jobledger/testing';
 */
export { eventStoreContract, type EventStoreContractOptions } from './testing/eventStoreContract.js';
export { decideSpec, type DecideSpecOptions, type GivenEvent } from './testing/decideSpec.js';
export { jobMachineEdgePaths, type EdgePath } from './testing/jobMachinePaths.js';
export {
  testWorld,
  userArb,
  agentArb,
  principalArb,
  jobCommandArb,
  createJobCommandArb,
  jobScenarioArb,
  runScenario,
  validJobStreamArb,
  type ScenarioStep,
  type RecordedEvent,
  type RunScenarioOptions,
} from './testing/arbitraries.js';
export {
  toStoredEvents,
  storedJobStreamArb,
  jobLogArb,
  type ToStoredEventsOptions,
  type JobLogOptions,
} from './testing/storedEvents.js';
export {
  replayLog,
  type ReplayLogOptions,
  type ReplayedLog,
  type ReplayFailure,
} from './testing/replayLog.js';
export { virtualClock, type VirtualClock } from './testing/virtualClock.js';
export { createTestLedger, type TestLedger, type TestLedgerOptions } from './testing/testLedger.js';
export {
  faultScheduleArb,
  AgentCrashed,
  isAgentCrash,
  type Fault,
  type ScheduledFault,
  type FaultSchedule,
  type FaultScheduleOptions,
  type FaultySession,
} from './testing/faultSchedule.js';
