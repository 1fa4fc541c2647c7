import { ActivityFailure, ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';

/**
 * The business failure behind a failed Update: the ApplicationFailure its handler (or the
 * activity it ran) threw, so a client module can map its type to an AppError. Undefined
 * for anything else (a timeout, an unreachable server), which stays a 500.
 */
export function updateFailure(error: unknown): { type?: string; message: string } | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause instanceof ActivityFailure ? error.cause.cause : error.cause;
  if (!(cause instanceof ApplicationFailure)) return { message: error.message };
  return { type: cause.type ?? undefined, message: cause.message };
}
