import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import type { stripeAlert, StripeAlertInput } from '../../workflows/stripe-alert';

interface StripeAlertDeps {
  temporal: Client;
  taskQueues: TaskQueues;
}

/**
 * Starts `stripe-alert:<eventId>` (admins alerted of a refund or dispute of a payment Cohort
 * never recorded). Once per event, ever (reuse REJECT_DUPLICATE): a redelivery after a crash
 * between this start and the event's processed mark finds it started and alerts no one twice.
 */
export async function startStripeAlert(deps: StripeAlertDeps, input: StripeAlertInput): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof stripeAlert>('stripeAlert', {
      args: [input],
      taskQueue: deps.taskQueues.default,
      workflowId: workflowIds.stripeAlert(input.eventId),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: cohortSearchAttributes('stripe-alert'),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
