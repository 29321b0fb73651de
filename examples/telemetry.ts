// The README's "Telemetry" example, run by test/examples.test.ts. A service registers its OpenTelemetry SDK
// (here with in-memory exporters; yours sends to a collector), then creates the ledger: its commands become
// spans inside the caller's span, and its metrics are read by the SDK's readers.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createJobLedger, openStore } from 'jobledger';

export const telemetryExample = async (storeUrl = 'sqlite:./jobledger.db') => {
  // 1. The SDK first (with @opentelemetry/sdk-node this is `new NodeSDK({ ... }).start()`).
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);

  // 2. Then the ledger: it takes the global providers (or pass createJobLedger({ telemetry: { ... } })).
  const ledger = createJobLedger({ store: openStore(storeUrl) });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  await trace.getTracer('my-service').startActiveSpan('POST /render', async (request) => {
    await alice.createJob({ function: { id: 'fn-render' }, file: { name: 'scene.json' } })();
    request.end();
  });

  await tracerProvider.forceFlush();
  const names = spans.getFinishedSpans().map((s) => s.name); // store append, command, then the request
  const command = spans.getFinishedSpans().find((s) => s.name === 'jobledger.command')!;
  const { resourceMetrics } = await reader.collect();
  const jobs = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'jobledger.jobs')!
    .dataPoints.find((p) => p.attributes.status === 'Pending')!.value; // 1: from the read model

  await ledger.close()();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
  return { names, command: command.attributes, pendingJobs: jobs };
};
