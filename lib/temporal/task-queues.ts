/**
 * Task queues by privilege and weight. A prefix lets several isolated deployments
 * (or test files) share one Temporal namespace.
 */
export const TASK_QUEUE_KINDS = ['default', 'pdf', 'workspace'] as const;
export type TaskQueueKind = (typeof TASK_QUEUE_KINDS)[number];
export type TaskQueues = Record<TaskQueueKind, string>;

export function taskQueues(prefix = ''): TaskQueues {
  return { default: `${prefix}cohort`, pdf: `${prefix}cohort-pdf`, workspace: `${prefix}cohort-workspace` };
}
