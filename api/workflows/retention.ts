import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import { retentionStatus, type retention, type RetentionInput, type RetentionStatus } from '../../workflows/retention';

interface RetentionDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

export type RetentionHandle = WorkflowHandle<typeof retention>;

/**
 * Starts a retention run now: `retention:<date>` (`retention:<date>:dry-run` for a dry
 * run). A run of that id still going is joined rather than doubled (conflict
 * USE_EXISTING); once it has closed, the same id runs again (reuse ALLOW_DUPLICATE), so
 * a second cleanup the same day picks up what has expired since.
 */
export async function startRetentionRun(
  deps: RetentionDeps,
  input: RetentionInput & { date: string },
): Promise<RetentionHandle> {
  const { date, ...args } = input;
  return deps.temporal.workflow.start<typeof retention>('retention', {
    args: [args],
    taskQueue: deps.taskQueues.default,
    workflowId: workflowIds.retention(args.dryRun ? `${date}:dry-run` : date),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: cohortSearchAttributes('retention'),
  });
}

/** The run's status query; undefined while no worker has picked it up yet. */
export async function queryRetentionStatus(handle: RetentionHandle): Promise<RetentionStatus | undefined> {
  try {
    return await handle.query(retentionStatus);
  } catch {
    return undefined;
  }
}
