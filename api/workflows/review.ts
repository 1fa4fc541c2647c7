import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { TrackCode } from '../../lib/domain/tracks';
import { errors } from '../../lib/errors';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import { reviewSettledUpdate, type review, type ReviewWorkflowResult } from '../../workflows/review';
import { COMMAND_WAIT_MS, waitBriefly } from './wait';

interface ReviewDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

const alreadyReviewed = () => errors.conflict('This submission has already been reviewed.');

/**
 * Starts `review:<submissionId>`, every follow-up of a trainer's review. Called inside the
 * transaction that records the review, so the review commits only once its workflow has
 * started; the workflow waits on that row lock. A second start is a conflict (409).
 */
export async function startReview(
  deps: ReviewDeps,
  input: { submissionId: string; userId: string; track: TrackCode },
): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof review>('review', {
      args: [{ submissionId: input.submissionId }],
      taskQueue: deps.taskQueues.default,
      workflowId: workflowIds.review(input.submissionId),
      // A failed run (its review rolled back) may be replaced; a completed one never.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: cohortSearchAttributes('review', input.userId, input.track),
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw alreadyReviewed();
    throw error;
  }
}

export type ReviewWait =
  | { status: 'DONE'; workflowId: string; result: ReviewWorkflowResult }
  | { status: 'RUNNING' | 'FAILED'; workflowId: string };

/** The settled Update's answer within `ms`, or undefined when the settlement takes longer. */
async function settledWithin(
  handle: WorkflowHandle<typeof review>,
  ms: number,
): Promise<ReviewWorkflowResult | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([handle.executeUpdate(reviewSettledUpdate), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The review's settlement, waited for briefly (convention 11): DONE with its outcome once
 * the project is settled and the next one unlocked (the `settled` Update answers then,
 * before any email), RUNNING when it takes longer, FAILED when it failed (the review itself
 * stands, it is committed; ops see the failure in Temporal). A closed workflow answers with
 * its result. A `repeated` request whose workflow has aged out of Temporal's retention has
 * nothing left to answer for: 409.
 */
export async function awaitReview(deps: ReviewDeps, submissionId: string, repeated: boolean): Promise<ReviewWait> {
  const workflowId = workflowIds.review(submissionId);
  const handle = deps.temporal.workflow.getHandle<typeof review>(workflowId);
  try {
    const settled = await settledWithin(handle, COMMAND_WAIT_MS);
    return settled ? { status: 'DONE', workflowId, result: settled } : { status: 'RUNNING', workflowId };
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { status: 'RUNNING', workflowId };
    // Closed already (done, or failed before settling): its result says which.
  }
  try {
    const waited = await waitBriefly<ReviewWorkflowResult>(handle);
    return waited.done ? { status: 'DONE', workflowId, result: waited.result } : { status: 'RUNNING', workflowId };
  } catch (error) {
    if (repeated && error instanceof WorkflowNotFoundError) throw alreadyReviewed();
    if (error instanceof WorkflowFailedError) return { status: 'FAILED', workflowId };
    throw error;
  }
}
