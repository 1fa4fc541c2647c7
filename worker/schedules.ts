import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Config } from '../lib/config';
import { workflowIds } from '../lib/temporal/ids';
import { cohortSearchAttributes } from '../lib/temporal/search-attributes';
import type { TaskQueues } from '../lib/temporal/task-queues';
import type { retention } from '../workflows/retention';

type ScheduleConfig = Pick<
  Config,
  | 'RETENTION_SCHEDULE_CRON'
  | 'RETENTION_SCHEDULE_TIME_ZONE'
  | 'RETENTION_SCHEDULE_CATCHUP'
  | 'TEMPORAL_TASK_QUEUE_PREFIX'
>;

/** `retention-daily`, prefixed like the task queues so deployments sharing a namespace keep theirs apart. */
export const retentionScheduleId = (prefix = '') => `${prefix}retention-daily`;

function retentionSchedule(config: ScheduleConfig, queues: TaskQueues) {
  return {
    spec: { cronExpressions: [config.RETENTION_SCHEDULE_CRON], timezone: config.RETENTION_SCHEDULE_TIME_ZONE },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'retention',
      args: [{}] as Parameters<typeof retention>,
      taskQueue: queues.default,
      // Temporal appends the scheduled time: retention:daily-2026-11-30T03:30:00Z.
      workflowId: workflowIds.retention('daily'),
      typedSearchAttributes: cohortSearchAttributes('retention'),
    },
    policies: {
      // A run still going at the next tick (a huge backlog) is left to finish; the tick is skipped.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: config.RETENTION_SCHEDULE_CATCHUP,
    },
  };
}

/**
 * Creates the retention Schedule, or brings an existing one to this configuration
 * (spec, action, policies), keeping its state (paused, notes) as ops left it. Safe to
 * run at every worker start and from several workers at once.
 */
export async function ensureRetentionSchedule(
  client: Client,
  config: ScheduleConfig,
  queues: TaskQueues,
): Promise<'created' | 'updated'> {
  const scheduleId = retentionScheduleId(config.TEMPORAL_TASK_QUEUE_PREFIX);
  const wanted = retentionSchedule(config, queues);
  try {
    await client.schedule.create({ scheduleId, ...wanted } satisfies ScheduleOptions);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((previous): ScheduleUpdateOptions => ({ ...previous, ...wanted, state: previous.state }));
  return 'updated';
}
