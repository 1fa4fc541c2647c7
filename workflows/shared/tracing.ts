import { context, type Context } from '@opentelemetry/api';

/**
 * The trace context the current handler runs in: inside a signal handler, the trace of
 * the request that sent the signal (the OpenTelemetry workflow interceptor sets it from
 * the signal's headers). Without the interceptor it is the empty root context.
 */
export const activeTrace = (): Context => context.active();

/**
 * Runs `fn` in `trace`, so the activities it schedules join that request's trace: the work
 * a signal sets off is traced under the request that sent it, not under the run's start.
 * Spans ride in headers only; the commands (and so replay) are the same either way.
 */
export function inTrace<T>(trace: Context | undefined, fn: () => Promise<T>): Promise<T> {
  return trace ? context.with(trace, fn) : fn();
}
