import { createRequire } from 'node:module';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../lib/tracing';

/**
 * The workflow interceptor modules of every bundle: OpenTelemetry's (a span per workflow
 * run, signal, query and activity scheduled, whose context rides in the activity's
 * headers) and Cohort's own (workflows/interceptors.ts). They are in the bundle whether
 * tracing is on or not, so turning it on or off never changes the code workflows replay.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  // First: it sets the sandbox's sampler before OpenTelemetry's tracer is made.
  createRequire(import.meta.url).resolve('../workflows/interceptors.ts'),
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

// With tracing off here but on in the API (a traced start or signal), the sandbox's spans are
// dropped here: the sink must exist, or such runs would log "Workflow referenced an unregistered
// external sink" at each activation.
const droppedWorkflowSpans: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> = {
  exporter: { export: { fn: () => undefined } },
};

/** The tracing part of a worker's (or replayer's) options: off, only the sink that drops workflow spans. */
export function workerTracingOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return { sinks: droppedWorkflowSpans };
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
