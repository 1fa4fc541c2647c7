import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Config } from '../../lib/config';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import { workspaceDeprovisionNow, type workspace } from '../../workflows/workspace';

interface WorkspaceDeps {
  temporal: Client;
  taskQueues: TaskQueues;
  config: Pick<Config, 'WORKSPACE_TTL'>;
}

/**
 * Starts `workspace:<userId>`, inside the transaction that records the start of project 1
 * (its first activity waits for that commit). Two starts at once land on one workflow
 * (USE_EXISTING); a closed one is replaced only if it failed (a retry after FAILED), never
 * once it ran its course (the API does not ask then: the workspaces row says DEPROVISIONED).
 */
export async function startWorkspace(deps: WorkspaceDeps, input: { userId: string }): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof workspace>('workspace', {
      args: [{ userId: input.userId, ttlMs: deps.config.WORKSPACE_TTL, workspaceTaskQueue: deps.taskQueues.workspace }],
      taskQueue: deps.taskQueues.default,
      workflowId: workflowIds.workspace(input.userId),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: cohortSearchAttributes('workspace', input.userId, 'DP', 'PROVISIONING'),
    });
  } catch (error) {
    // Closed after running its course: nothing to start again.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}

/**
 * Deprovisions the student's workspace at once (account deletion). Succeeds quietly when
 * no workspace workflow runs: none was made, or it has ended already.
 */
export async function signalDeprovisionNow(deps: Pick<WorkspaceDeps, 'temporal'>, userId: string): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowIds.workspace(userId)).signal(workspaceDeprovisionNow);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    throw error;
  }
}
