import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { errors } from '../../lib/errors';
import type { ErasureKind } from '../../lib/privacy/deletion-requests';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import {
  accountDeletion,
  accountDeletionStatusQuery,
  cancelDeletionUpdate,
  legalHoldChanged,
  requestOpenedUpdate,
  type AccountDeletionStatus,
} from '../../workflows/account-deletion';

interface AccountDeletionDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

/**
 * Starts `account-deletion:<userId>` (or joins the running one) and answers once its
 * request row is open. A closed run (a cancelled deletion) is followed by a new one:
 * reuse ALLOW_DUPLICATE, conflict USE_EXISTING, so a repeated DELETE lands on the first.
 */
export async function requestErasure(
  deps: AccountDeletionDeps,
  input: { userId: string; kind: ErasureKind; requestedBy: string | null; coolOffMs: number },
): Promise<{ workflowId: string; status: AccountDeletionStatus }> {
  const workflowId = workflowIds.accountDeletion(input.userId);
  const startWorkflowOperation = new WithStartWorkflowOperation(accountDeletion, {
    args: [input],
    taskQueue: deps.taskQueues.default,
    workflowId,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: cohortSearchAttributes('account-deletion', input.userId, undefined, 'opening'),
  });
  const status = await deps.temporal.workflow.executeUpdateWithStart(requestOpenedUpdate, { startWorkflowOperation });
  if (status.phase === 'not-found') throw errors.notFound('User');
  return { workflowId, status };
}

/** The user's cancel during the cool-off; 409 once erasure began or when nothing runs. */
export async function cancelErasure(deps: AccountDeletionDeps, userId: string): Promise<void> {
  const handle = deps.temporal.workflow.getHandle<typeof accountDeletion>(workflowIds.accountDeletion(userId));
  const tooLate = () => errors.conflict('There is no account deletion to cancel: none is scheduled, or it has begun.');
  try {
    const answer = await handle.executeUpdate(cancelDeletionUpdate);
    if (!answer.cancelled) throw tooLate();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError) throw tooLate();
    throw error;
  }
}

/** Tells a running deletion that a legal hold was placed or lifted; nothing running is fine. */
export async function signalLegalHold(deps: AccountDeletionDeps, userId: string, held: boolean): Promise<void> {
  try {
    await deps.temporal.workflow
      .getHandle<typeof accountDeletion>(workflowIds.accountDeletion(userId))
      .signal(legalHoldChanged, { held });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** Where the user's deletion stands, or undefined when none ever ran. */
export async function erasureStatus(
  deps: AccountDeletionDeps,
  userId: string,
): Promise<AccountDeletionStatus | undefined> {
  try {
    return await deps.temporal.workflow
      .getHandle<typeof accountDeletion>(workflowIds.accountDeletion(userId))
      .query(accountDeletionStatusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
