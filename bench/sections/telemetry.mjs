// Section: what telemetry costs. createJob through the ledger on SQLite (synchronous=NORMAL, so the fsync does not
// hide it) with a registered OpenTelemetry SDK (spans through a batch processor to an in-memory exporter, metrics
// read by a periodic reader into an in-memory exporter, AsyncLocalStorage context) vs the same without an SDK
// (the API's no-op, the default) vs `telemetry: false` (no decorators at all), in one run.
import path from 'node:path';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { progress, removeDir, runConcurrent, tempDir } from '../lib/measure.mjs';
import { alice, loadJobledger, need, openSqliteStore, smallestJob } from '../lib/ours.mjs';

const SECTION = 'telemetry';

const exported = { spans: 0, commandsWithParentStore: 0 };

const openSdk = () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: spans })],
  });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 1000 })],
  });
  return {
    telemetry: { tracerProvider, meterProvider },
    spans,
    metrics,
    // The SDK's context manager is on only while the SDK side runs: the other sides are measured as a process
    // without an SDK runs them.
    enter: () => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
    leave: async () => {
      await tracerProvider.forceFlush();
      context.disable();
      // An in-memory exporter keeps everything: count what arrived, then empty it so memory does not grow.
      const finished = spans.getFinishedSpans();
      exported.spans += finished.length;
      exported.commandsWithParentStore += finished.filter(
        (s) => s.name === 'jobledger.store.append' && s.parentSpanContext !== undefined,
      ).length;
      spans.reset();
      metrics.reset();
    },
    close: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
};

const sides = [
  { key: 'sdk', name: 'createJob, OpenTelemetry SDK registered (in-memory exporters)' },
  { key: 'api', name: 'createJob, no SDK (the API no-op)' },
  { key: 'off', name: 'createJob, telemetry: false' },
  // What a process with an SDK pays before jobledger does anything: the AsyncLocalStorage context manager makes
  // every promise in the process costlier. Our decorators' own cost is the SDK side against this one.
  { key: 'ctx', name: 'createJob, telemetry: false, the SDK’s context manager on', sdkContext: true },
];

export const runTelemetry = async (report, config) => {
  const mod = need(await loadJobledger(), 'createJobLedger');
  const sdk = openSdk();
  const open = [];
  try {
    for (const side of sides) {
      const dir = tempDir(`telemetry-${side.key}`);
      const store = await openSqliteStore(path.join(dir, 'jobledger.db'), 'normal');
      const ledger = mod.createJobLedger({
        store,
        ...(side.key === 'sdk' && { telemetry: sdk.telemetry }),
        ...((side.key === 'off' || side.sdkContext) && { telemetry: false }),
      });
      const session = ledger.as(alice);
      open.push({
        side,
        dir,
        ledger,
        acc: { ops: 0, seconds: 0, errors: 0, rates: [] },
        op: async () => {
          const r = await session.createJob(smallestJob)();
          if (r._tag === 'Left') throw new Error(`${r.left._tag}: ${r.left.message}`);
          return true;
        },
      });
    }
    // Interleaved rounds, so that a drifting load on the shared cores weighs on every side alike.
    for (let round = 0; round < config.rounds; round++) {
      for (const entry of open) {
        progress(`${SECTION}: ${entry.side.name} (round ${round + 1}/${config.rounds})`);
        if (entry.side.key === 'sdk' || entry.side.sdkContext) sdk.enter();
        try {
          const r = await runConcurrent({
            callers: 1,
            durationMs: config.durationMs / config.rounds,
            warmupMs: round === 0 ? config.warmupMs : 0,
            op: entry.op,
          });
          entry.acc.ops += r.ops;
          entry.acc.seconds += r.seconds;
          entry.acc.errors += r.errors;
          entry.acc.rates.push(Math.round(r.perSecond));
          entry.acc.firstError ??= r.firstError;
        } finally {
          if (entry.side.key === 'sdk' || entry.side.sdkContext) await sdk.leave();
        }
      }
    }
    for (const { side, acc } of open) {
      report.measure({
        section: SECTION,
        id: `telemetry.${side.key}`,
        label: `${side.name}, SQLite NORMAL, 1 caller`,
        value: acc.ops / acc.seconds,
        unit: 'ops/s',
        ops: acc.ops,
        errors: acc.errors,
        seconds: acc.seconds,
        rounds: acc.rates,
        detail:
          `${acc.ops} ops in ${acc.seconds.toFixed(1)} s (rounds: ${acc.rates.join(', ')}/s)` +
          (side.key === 'sdk'
            ? `; ${exported.spans} spans exported, ${exported.commandsWithParentStore} appends inside their command's span`
            : '') +
          (acc.errors > 0 ? `; ${acc.errors} FAILED (${acc.firstError})` : ''),
      });
    }
  } finally {
    for (const entry of open) {
      await entry.ledger.close()();
      removeDir(entry.dir);
    }
    await sdk.close();
  }
  const v = (id) => report.get(id)?.value;
  report.target({
    id: 'telemetry.sdk.vs.none',
    label: 'createJob with an OpenTelemetry SDK / without (telemetry costs ≤ 10%)',
    ours: v('telemetry.sdk'),
    baseline: v('telemetry.api'),
    need: 0.9,
    unit: '/s',
  });
  report.target({
    id: 'telemetry.sdk.vs.context',
    label:
      'createJob with an OpenTelemetry SDK / telemetry: false with the SDK’s context manager (our decorators cost ≤ 10%)',
    ours: v('telemetry.sdk'),
    baseline: v('telemetry.ctx'),
    need: 0.9,
    unit: '/s',
  });
  report.target({
    id: 'telemetry.noop.vs.off',
    label: 'createJob without an SDK / telemetry: false (the no-op costs ≤ 2%)',
    ours: v('telemetry.api'),
    baseline: v('telemetry.off'),
    need: 0.98,
    unit: '/s',
  });
};
