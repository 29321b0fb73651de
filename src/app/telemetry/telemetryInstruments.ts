import {
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  trace,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
  type UpDownCounter,
} from '@opentelemetry/api';

/**
 * Where a ledger sends its telemetry. Both default to the providers registered globally with
 * `@opentelemetry/api` (by your OpenTelemetry SDK set-up). Register the SDK before you create the ledger: the
 * providers are looked at when the ledger is created, and when both are the API's no-ops the ledger wraps
 * nothing, so telemetry costs nothing.
 */
export interface JobLedgerTelemetry {
  readonly tracerProvider?: TracerProvider;
  readonly meterProvider?: MeterProvider;
}

/** The instrumentation scope of every span and metric jobledger makes. */
export const telemetryScope = 'jobledger';

/** The tracer and the instruments of one ledger. @internal */
export interface TelemetryInstruments {
  /** True when both providers are the API's no-ops (no SDK registered, none given): the ledger wraps nothing. */
  readonly noop: boolean;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** `jobledger.commands` {command, outcome}: every command a session ran. */
  readonly commands: Counter;
  /** `jobledger.store.append.duration` {store, outcome}, in seconds. */
  readonly appendDuration: Histogram;
  /** `jobledger.store.concurrency_conflicts` {store}: appends that lost an optimistic-concurrency race. */
  readonly conflicts: Counter;
  /** `jobledger.claims` {pool}: jobs handed to agents. */
  readonly claims: Counter;
  /** `jobledger.claim.latency` {pool}: from the job's creation to its claim, in seconds. */
  readonly claimLatency: Histogram;
  /** `jobledger.lease.expiries` {to}: leases that ran out, by where the job went (Pending or Unknown). */
  readonly leaseExpiries: Counter;
  /** `jobledger.poll.waiters`: pollJob calls waiting now. */
  readonly pollWaiters: UpDownCounter;
}

/** Creates the instruments on the given (or the global) providers. @internal */
export const telemetryInstruments = (options: JobLedgerTelemetry = {}): TelemetryInstruments => {
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const tracer = tracerProvider.getTracer(telemetryScope);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(telemetryScope);
  return {
    noop: isNoopTracerProvider(tracerProvider) && meter instanceof noopMeterClass,
    tracer,
    meter,
    commands: meter.createCounter('jobledger.commands', {
      description: 'Commands run on jobs, by command and outcome (ok, no-job, or the JobError tag)',
    }),
    appendDuration: meter.createHistogram('jobledger.store.append.duration', {
      description: 'Time of one append to the event store (including its projections)',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] },
    }),
    conflicts: meter.createCounter('jobledger.store.concurrency_conflicts', {
      description: 'Appends that found the stream at another version than expected (the command retries)',
    }),
    claims: meter.createCounter('jobledger.claims', { description: 'Jobs claimed by agents, by pool' }),
    claimLatency: meter.createHistogram('jobledger.claim.latency', {
      description: 'Time from a job’s creation to its claim by an agent',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] },
    }),
    leaseExpiries: meter.createCounter('jobledger.lease.expiries', {
      description: 'Leases that ran out, by the status the job moved to (Pending or Unknown)',
    }),
    pollWaiters: meter.createUpDownCounter('jobledger.poll.waiters', {
      description: 'pollJob calls waiting for a terminal status',
    }),
  };
};

// The API's no-op meter class, and its no-op tracer provider: what a global proxy hands out while no SDK is
// registered (`getDelegate()` of any proxy without a delegate answers the same no-op instance).
const noopMeterClass = createNoopMeter().constructor as new () => Meter;
const noopTracerProvider = new ProxyTracerProvider().getDelegate();
const isNoopTracerProvider = (provider: TracerProvider): boolean =>
  provider === noopTracerProvider ||
  (provider instanceof ProxyTracerProvider && provider.getDelegate() === noopTracerProvider);

/** The kind of store a description names (`sqlite:./a.db` -> `sqlite`), for the `store` attribute. */
export const storeKindOf = (description: string): string => {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(description)?.[1]?.toLowerCase() ?? 'custom';
  if (scheme === 'postgresql') return 'postgres';
  if (scheme.startsWith('kurrentdb') || scheme === 'esdb' || scheme.startsWith('esdb+')) return 'kurrentdb';
  return scheme;
};
