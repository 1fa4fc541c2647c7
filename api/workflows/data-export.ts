import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import type { dataExport } from '../../workflows/data-export';

interface DataExportDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

/**
 * Starts `data-export:<userId>:<exportId>`. The export id is the user's id of the day
 * (lib/privacy/data-exports.ts), and the id is never reused: at most one export a day.
 */
export async function startDataExport(deps: DataExportDeps, userId: string, exportId: string): Promise<string> {
  const workflowId = workflowIds.dataExport(userId, exportId);
  try {
    await deps.temporal.workflow.start<typeof dataExport>('dataExport', {
      args: [{ userId, exportId }],
      taskQueue: deps.taskQueues.default,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: cohortSearchAttributes('data-export', userId, undefined, 'building'),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}
