import type { ObservableResult } from '@opentelemetry/api';
import { isTerminalStatus, jobStatusNames, type JobStatusName } from '../../domain/JobStatusName.js';
import { systemPrincipal } from '../../domain/principal.js';
import type { JobListQuery } from '../../projections/jobListProjection.js';
import type { ProjectedEventStore, ReadModelStore } from '../../projections/ReadModelStore.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import { tracedEventStore } from './tracedEventStore.js';
import { tracedSession, type SessionTelemetryState } from './tracedSession.js';
import {
  storeKindOf,
  telemetryInstruments,
  type JobLedgerTelemetry,
  type TelemetryInstruments,
} from './telemetryInstruments.js';

/** How a ledger wraps its ports with telemetry. @internal */
export interface LedgerTelemetry {
  store(store: ProjectedEventStore): ProjectedEventStore;
  session(session: JobLedgerSession): JobLedgerSession;
  /** Stops the gauges reading the read model (before the store closes). */
  close(): void;
}

const untraced: LedgerTelemetry = { store: (s) => s, session: (s) => s, close: () => {} };

const countQuery = (status: JobStatusName, pool?: string): JobListQuery => ({
  page: 1,
  size: 1,
  sort: '-created',
  archiveStatus: 'active',
  status,
  ...(pool !== undefined && { assignedAgentPoolId: pool }),
});

/**
 * The gauges read from the read model when a reader collects (a Prometheus scrape): `jobledger.jobs` {status}
 * counts the jobs that are not archived in each status, as `listJobs` totals them; `jobledger.pool.jobs`
 * {pool, status} the ones not yet over (Pending to Unknown) of every pool this ledger has seen (on an agent's
 * session or a job it created), so a queue's depth and work in flight show per pool.
 */
const observeJobCounts = (
  instruments: TelemetryInstruments,
  readModel: ReadModelStore,
  state: SessionTelemetryState,
): (() => void) => {
  const { meter } = instruments;
  const jobs = meter.createObservableGauge('jobledger.jobs', {
    description: 'Jobs not archived, by status (from the read model)',
  });
  const poolJobs = meter.createObservableGauge('jobledger.pool.jobs', {
    description: 'Jobs not archived and not over, by assigned pool and status (pools this ledger has seen)',
  });
  const total = async (status: JobStatusName, pool?: string) =>
    (await readModel.listJobs(countQuery(status, pool), systemPrincipal)).total;
  const countJobs = async (result: ObservableResult) => {
    for (const status of jobStatusNames) result.observe(await total(status), { status });
  };
  const countPools = async (result: ObservableResult) => {
    for (const pool of [...state.pools].sort())
      for (const status of jobStatusNames)
        if (!isTerminalStatus(status)) result.observe(await total(status, pool), { pool, status });
  };
  jobs.addCallback(countJobs);
  poolJobs.addCallback(countPools);
  return () => {
    jobs.removeCallback(countJobs);
    poolJobs.removeCallback(countPools);
  };
};

/**
 * The telemetry of one ledger: decorators for its store and sessions, and the gauges over its read model.
 * `false` turns it off (no wrapping at all).
 * @internal
 */
export const ledgerTelemetry = (
  options: JobLedgerTelemetry | false | undefined,
  description: string,
): LedgerTelemetry => {
  if (options === false) return untraced;
  const instruments = telemetryInstruments(options);
  // Nothing registered and nothing given: every span and metric would be the API's no-op, so wrap nothing and
  // cost nothing (a provider registered later is not seen — register the SDK first, as the option says).
  if (instruments.noop) return untraced;
  const kind = storeKindOf(description);
  const state: SessionTelemetryState = { pools: new Set() };
  let stopGauges = () => {};
  return {
    store: (store) => {
      const traced = tracedEventStore(store, instruments, kind);
      // The gauges read the untraced read model: a scrape is no request of anyone's to trace.
      stopGauges = observeJobCounts(instruments, store.readModel, state);
      return traced;
    },
    session: (session) => tracedSession(session, instruments, kind, state),
    close: () => stopGauges(),
  };
};
