import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from './config';

/** A process's OpenTelemetry tracing, registered as the global tracer provider. */
export interface Tracing {
  tracer: Tracer;
  /** Also ends the spans workflows record in the sandbox (the worker hands them over through a sink). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider ending spans in `spanProcessor`, with the
 * AsyncLocalStorage context manager (a request's context follows its awaits) and W3C
 * trace-context propagation.
 */
export function createTracing(options: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [options.spanProcessor] });
  provider.register();
  return {
    tracer: provider.getTracer('cohort'),
    spanProcessor: options.spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Tracing exported over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces`, as the
 * OpenTelemetry spec builds it; `OTEL_EXPORTER_OTLP_HEADERS` is read by the exporter).
 * Unset: undefined, and nothing is registered (the API's and activities' tracers stay no-ops).
 */
export function startTracing(config: Config, defaultServiceName: string): Tracing | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const url = new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
  return createTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName,
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })),
  });
}

/**
 * A Temporal client's interceptors: with tracing on, each start, signal, update and query
 * gets a client span whose context travels in the workflow's headers.
 */
export function clientTracingInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
}
