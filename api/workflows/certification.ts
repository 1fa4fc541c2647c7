import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { TrackCode } from '../../lib/domain/tracks';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import type { certification } from '../../workflows/certification';

interface CertificationDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

/**
 * Starts `certificate:<userId>:<track>` (the review's hand-over starts the same id as a
 * child). A running one is joined (USE_EXISTING); a completed one is not run again (its
 * certificate stands), a failed one may be. Answers the workflow id and whether it runs.
 */
export async function startCertification(
  deps: CertificationDeps,
  input: { userId: string; track: TrackCode },
): Promise<{ workflowId: string; status: 'RUNNING' | 'COMPLETED' }> {
  const workflowId = workflowIds.certificate(input.userId, input.track);
  try {
    await deps.temporal.workflow.start<typeof certification>('certification', {
      workflowId,
      taskQueue: deps.taskQueues.default,
      args: [{ userId: input.userId, track: input.track }],
      typedSearchAttributes: cohortSearchAttributes('certification', input.userId, input.track, 'issuing'),
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return { workflowId, status: 'RUNNING' };
  } catch (error) {
    // Closed and not failed: the certificate it issued stands.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, status: 'COMPLETED' };
    throw error;
  }
}
