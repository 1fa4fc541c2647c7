import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { AccountEmailPurpose } from '../../lib/domain/account-tokens';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import type { accountEmail } from '../../workflows/account-email';

interface AccountEmailDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

/** Password-reset requests within one window share a workflow, so a double submit sends one email. */
export const PASSWORD_RESET_WINDOW_MS = 60_000;

/**
 * Starts `account-email:<userId>:<purpose>:<n>`. Called inside the transaction that owes
 * the message (sign-up) or before answering (forgot-password), so it is never lost
 * (convention 11). One id sends at most one message: a start with the id of a running
 * workflow joins it, and one with the id of a closed workflow is refused and ignored
 * (its message went out already).
 */
async function startAccountEmail(
  deps: AccountEmailDeps,
  input: { userId: string; purpose: AccountEmailPurpose; n: number },
): Promise<string> {
  const workflowId = workflowIds.accountEmail(input.userId, input.purpose, input.n);
  try {
    await deps.temporal.workflow.start<typeof accountEmail>('accountEmail', {
      args: [{ userId: input.userId, purpose: input.purpose }],
      taskQueue: deps.taskQueues.default,
      workflowId,
      typedSearchAttributes: cohortSearchAttributes('account-email', input.userId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}

/** The verify-email message of a new account. */
export const startEmailVerification = (deps: AccountEmailDeps, userId: string) =>
  startAccountEmail(deps, { userId, purpose: 'verify-email', n: 1 });

/** A password-reset message; requests in one PASSWORD_RESET_WINDOW_MS share it. */
export const startPasswordReset = (deps: AccountEmailDeps, userId: string, now = Date.now()) =>
  startAccountEmail(deps, { userId, purpose: 'password-reset', n: Math.floor(now / PASSWORD_RESET_WINDOW_MS) });
