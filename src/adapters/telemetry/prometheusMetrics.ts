import type { MeterProvider } from '@opentelemetry/api';
import type * as ExporterPrometheus from '@opentelemetry/exporter-prometheus';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type { MetricsEndpoint } from '../http/metricsRoutes.js';
import { loadOptionalPackage } from '../optionalPackage.js';

/** The SDK pieces `--metrics` needs; optional peer dependencies, loaded when asked for. */
const packages = ['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus'] as const;

/** A meter provider whose metrics `endpoint` answers in the Prometheus text format. */
export interface PrometheusMetrics {
  readonly meterProvider: MeterProvider;
  readonly endpoint: MetricsEndpoint;
  close(): Promise<void>;
}

/**
 * OpenTelemetry's metrics SDK with its Prometheus exporter as the reader, without the exporter's own HTTP
 * server: `endpoint.collect()` reads every instrument (the gauges query the read model then) and serializes.
 * Throws a one-line Error naming what to install when the packages are missing.
 *
 * @example
 * const metrics = await openPrometheusMetrics();
 * const ledger = createJobLedger({ store, telemetry: { meterProvider: metrics.meterProvider } });
 * const server = createHttpServer({ ledger, tokens, metrics: metrics.endpoint });
 */
export const openPrometheusMetrics = async (): Promise<PrometheusMetrics> => {
  const sdk = await loadOptionalPackage<typeof SdkMetrics>(packages[0], {
    purpose: 'jobledger serve --metrics',
    install: packages,
  });
  const prometheus = await loadOptionalPackage<typeof ExporterPrometheus>(packages[1], {
    purpose: 'jobledger serve --metrics',
    install: packages,
  });
  const exporter = new prometheus.PrometheusExporter({ preventServerStart: true });
  const meterProvider = new sdk.MeterProvider({ readers: [exporter] });
  const serializer = new prometheus.PrometheusSerializer();
  return {
    meterProvider,
    endpoint: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      collect: async () => {
        const { resourceMetrics, errors } = await exporter.collect();
        if (errors.length > 0) throw errors[0];
        return serializer.serialize(resourceMetrics);
      },
    },
    close: () => meterProvider.shutdown(),
  };
};
