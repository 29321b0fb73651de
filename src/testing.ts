/**
 * `jobledger/testing`: the test kit (README, "Property-based testing"). Needs `vitest` (for the contract suite)
 * and `fast-check` (for the arbitraries) in your dev dependencies; `jobledger`'s main entry imports neither.
 *
 * - arbitraries of commands, scenarios, streams (`storedJobStreamArb`) and whole logs (`jobLogArb`);
 * - `toStoredEvents` (recorded -> stored, hash-chained) and `replayLog` (a log -> job states, or the first event
 *   that does not replay);
 * - a simulated world: `createTestLedger({ clock: 'virtual' })`, `virtualClock`, `faultScheduleArb`;
 * - specs: `decideSpec`, `jobMachineEdgePaths`, `eventStoreContract`.
 * Recipes that use them run as tests in `examples/testing/`.
 *
 * @example
 * import { storedJobStreamArb, jobLogArb, replayLog, createTestLedger } from 'jobledger/testing';
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
