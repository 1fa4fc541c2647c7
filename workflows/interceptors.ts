import { metricMeter, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const WORKFLOWS_STARTED_METRIC = 'cohort_workflows_started';

// Read by OpenTelemetry's tracer in the sandbox (bundled after this module): a workflow span is
// recorded only under a sampled parent, i.e. a traced request's context in the start or signal
// headers. Untraced runs (tracing off in the API, Schedules, tests) record and export nothing.
(globalThis as Record<string, unknown>).OTEL_TRACES_SAMPLER ??= 'parentbased_always_off';

/**
 * Cohort's workflow interceptor (bundled through `interceptors.workflowModules`, not a
 * workflow): counts each new run by `workflow_type` on the worker's metrics exporter, when
 * its first task runs. The workflow meter counts nothing while replaying, and a run
 * continued as new is the same workflow going on, so neither counts again. Completions
 * and failures are the SDK's own `temporal_workflow_completed` / `temporal_workflow_failed`.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute(input, next) {
        if (!workflowInfo().continuedFromExecutionRunId)
          metricMeter.createCounter(WORKFLOWS_STARTED_METRIC, 'workflows', 'Workflow runs started, by type').add(1);
        return next(input);
      },
    },
  ],
});
