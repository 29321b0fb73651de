import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * A real OpenTelemetry SDK with in-memory exporters: spans as they end, metrics when collected. Context
 * propagates through AsyncLocalStorage as it does under the Node SDK.
 */
export const telemetryHarness = () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });

  /** Every metric by name, as one collection sees it now. */
  const collect = async (): Promise<Map<string, MetricData>> => {
    const { resourceMetrics } = await reader.collect();
    return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => [m.descriptor.name, m])));
  };
  /** The data points of one metric whose attributes include `attributes`. */
  const points = (metric: MetricData | undefined, attributes: Record<string, string> = {}) =>
    ((metric?.dataPoints ?? []) as DataPoint<unknown>[]).filter((p) =>
      Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
    );
  /** The sum of a counter's or gauge's points that match `attributes`. */
  const sum = (metric: MetricData | undefined, attributes: Record<string, string> = {}) =>
    points(metric, attributes).reduce((n, p) => n + (p.value as number), 0);

  return {
    telemetry: { tracerProvider, meterProvider },
    tracer: tracerProvider.getTracer('test'),
    spans,
    /** The spans ended so far (the processor exports each one asynchronously: wait for them). */
    finished: async () => {
      await tracerProvider.forceFlush();
      return spans.getFinishedSpans();
    },
    collect,
    points,
    sum,
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      context.disable();
    },
  };
};
