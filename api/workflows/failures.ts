import { ActivityFailure, ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';

/**
 * The business failure behind a failed Update: the ApplicationFailure its handler (or the
 * activity it ran) threw, so a client module can map its type to an AppError; `transient`
 * when an activity timed out or ran out of retries instead. Undefined for anything else
 * (an unreachable server: api/http/temporal-errors.ts makes that a 503).
 */
export function updateFailure(error: unknown): { type?: string; message: string; transient: boolean } | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause instanceof ActivityFailure ? error.cause.cause : error.cause;
  // An activity that timed out or ran out of retries on a transient error (a peer's outage)
  // is no business refusal: the next request tries again.
  const transient =
    error.cause instanceof ActivityFailure && !(cause instanceof ApplicationFailure && cause.nonRetryable);
  if (!(cause instanceof ApplicationFailure)) return { message: error.message, transient };
  return { type: cause.type ?? undefined, message: cause.message, transient };
}
