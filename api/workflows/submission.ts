import type { Client } from '@temporalio/client';
import type { TrackCode } from '../../lib/domain/tracks';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import type { submission, SubmissionWorkflowResult } from '../../workflows/submission';
import { waitBriefly } from './wait';

interface SubmissionDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

/**
 * Starts `submission:<submissionId>`, which records the submission's follow-ups (progress
 * SUBMITTED, the "received" email). Called inside the transaction that inserts the row, so
 * the row commits only if its workflow started (convention 11). No id policies are set:
 * the id holds a fresh submission id, so no two starts ever share it.
 */
export async function startSubmission(
  deps: SubmissionDeps,
  input: { submissionId: string; userId: string; projectId: string; track: TrackCode },
): Promise<void> {
  await deps.temporal.workflow.start<typeof submission>('submission', {
    args: [{ submissionId: input.submissionId, userId: input.userId, projectId: input.projectId }],
    taskQueue: deps.taskQueues.default,
    workflowId: workflowIds.submission(input.submissionId),
    typedSearchAttributes: cohortSearchAttributes('submission', input.userId, input.track),
  });
}

/** Waits up to `ms` for the submission's follow-ups; they keep running after that. */
export async function awaitSubmission(deps: SubmissionDeps, submissionId: string, ms: number) {
  return waitBriefly<SubmissionWorkflowResult>(
    deps.temporal.workflow.getHandle(workflowIds.submission(submissionId)),
    ms,
  );
}
