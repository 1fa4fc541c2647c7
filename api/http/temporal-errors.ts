import { isGrpcServiceError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { AppError, errors } from '../../lib/errors';

/** gRPC codes (CANCELLED 1, DEADLINE_EXCEEDED 4, UNAVAILABLE 14) meaning "Temporal could not answer now". */
const TRANSIENT = new Set<number>([1, 4, 14]);

/** Seconds a client should wait before retrying a request Temporal could not serve. */
export const TEMPORAL_RETRY_AFTER_SECONDS = 5;

function interrupted(error: unknown, depth = 0): boolean {
  if (depth > 4 || !(error instanceof Error)) return false;
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (isGrpcServiceError(error) && TRANSIENT.has(error.code)) return true;
  // The client wraps the gRPC error (ServiceError and friends keep it as `cause`).
  return (error instanceof ServiceError || 'cause' in error) && interrupted(error.cause, depth + 1);
}

/**
 * A Temporal call cut off (server down or restarting, a deadline, an update whose worker
 * died) becomes 503 with Retry-After: the command is idempotent, so the client retries.
 */
export function translateTemporalError(error: unknown): unknown {
  if (error instanceof AppError || !interrupted(error)) return error;
  return errors.unavailable('The workflow service is unavailable; try again in a moment.', {
    retryAfterSeconds: TEMPORAL_RETRY_AFTER_SECONDS,
    internal: (error as Error).message,
  });
}
