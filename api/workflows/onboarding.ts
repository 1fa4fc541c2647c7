import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../lib/config';
import { workflowIds } from '../lib/temporal/ids';
import type { TrackCode } from '../lib/domain/tracks';
import { cohortSearchAttributes } from '../lib/temporal/search-attributes';
import type { TaskQueues } from '../lib/temporal/task-queues';
import type { Knex } from '../lib/db/knex';
import {
  onboarding,
  onboardingStatus,
  openCheckoutUpdate,
  trainerCapacityChanged,
  type OnboardingStatus,
} from '../workflows/onboarding';

interface OnboardingDeps {
  config: Config;
  temporal: Client;
  taskQueues: TaskQueues;
}

/**
 * How every caller starts `onboarding:<userId>:<track>`:
 * - conflict policy USE_EXISTING: a repeated checkout, a webhook or an admin action
 *   joins the running saga instead of failing or starting a second one;
 * - reuse policy ALLOW_DUPLICATE: after a run closed (checkout expired, or the
 *   refund/dispute watch ended) a new checkout or a late Stripe event starts a new run,
 *   which resumes from the enrollment row (the activities are idempotent), so money
 *   paid late is never ignored.
 */
export function onboardingStartOptions(deps: OnboardingDeps, userId: string, track: TrackCode) {
  return {
    workflowId: workflowIds.onboarding(userId, track),
    taskQueue: deps.taskQueues.default,
    args: [
      {
        userId,
        track,
        checkoutExpiryMs: deps.config.CHECKOUT_EXPIRY,
        trainerRetryMs: deps.config.TRAINER_ASSIGNMENT_RETRY,
      },
    ] as Parameters<typeof onboarding>,
    typedSearchAttributes: cohortSearchAttributes('onboarding', userId, track),
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
  };
}

/**
 * Update-with-start: one round trip that starts the saga if needed and asks it for the
 * checkout session, which the workflow creates in an activity (idempotency key from
 * the workflow id), so a crash cannot leave a session without its saga.
 */
export async function openCheckout(deps: OnboardingDeps, userId: string, track: TrackCode) {
  const startWorkflowOperation = new WithStartWorkflowOperation(
    onboarding,
    onboardingStartOptions(deps, userId, track),
  );
  const result = await deps.temporal.workflow.executeUpdateWithStart(openCheckoutUpdate, { startWorkflowOperation });
  const handle = await startWorkflowOperation.workflowHandle();
  return { ...result, workflowId: handle.workflowId };
}

/** The saga's status, waiting up to `waitMs` for it to reach one of `until`. */
export async function awaitOnboardingStatus(
  handle: WorkflowHandle,
  until: OnboardingStatus['phase'][],
  waitMs: number,
): Promise<OnboardingStatus | undefined> {
  const deadline = Date.now() + waitMs;
  let status: OnboardingStatus | undefined;
  for (;;) {
    try {
      status = await handle.query(onboardingStatus);
    } catch {
      status = undefined;
    }
    if ((status && until.includes(status.phase)) || Date.now() >= deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Tells the sagas of students still waiting for a trainer on `tracks` that room may
 * have appeared. A nudge only: each saga also retries on its own timer, so a signal
 * that fails (a closed run) loses nothing.
 */
export async function nudgeWaitingOnboardings(
  deps: OnboardingDeps & { knex: Knex },
  tracks: TrackCode[],
): Promise<number> {
  const waiting: { userId: string; trackCode: TrackCode }[] = await deps
    .knex('enrollments')
    .where({ status: 'ENROLLED' })
    .whereNull('trainerId')
    .whereIn('trackCode', tracks)
    .select('userId', 'trackCode');
  const results = await Promise.allSettled(
    waiting.map(({ userId, trackCode }) =>
      deps.temporal.workflow.getHandle(workflowIds.onboarding(userId, trackCode)).signal(trainerCapacityChanged),
    ),
  );
  return results.filter((r) => r.status === 'fulfilled').length;
}
