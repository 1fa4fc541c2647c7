import { Connection, type ConnectionOptions } from '@temporalio/client';

/**
 * Resolves once some worker polls `taskQueue` for workflow tasks, so "ready" means a
 * started workflow will actually run. `isDead` stops the wait when the worker died.
 */
const TASK_QUEUE_TYPE_WORKFLOW = 1; // temporal.api.enums.v1.TaskQueueType

export async function waitForWorkflowPoller(
  connectionOptions: ConnectionOptions,
  namespace: string,
  taskQueue: string,
  isDead: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const connection = await Connection.connect(connectionOptions);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (isDead()) throw new Error('the worker exited before it polled');
      const res = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      });
      if ((res.pollers?.length ?? 0) > 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no worker polled ${taskQueue} within ${timeoutMs / 1000} s`);
  } finally {
    await connection.close();
  }
}
