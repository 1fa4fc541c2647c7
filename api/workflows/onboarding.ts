import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { Knex } from '../../lib/db/knex';
import { TEMPORAL_RETRY_AFTER_SECONDS } from '../http/temporal-errors';
import type { TrackCode } from '../../lib/domain/tracks';
import { enrollmentsRepo } from '../../lib/db/repositories/enrollments';
import { errors } from '../../lib/errors';
import { workflowIds } from '../../lib/temporal/ids';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { TaskQueues } from '../../lib/temporal/task-queues';
import {
  adminEnrollRequested,
  changeEnrollmentStatusUpdate,
  onboarding,
  onboardingStatus,
  openCheckoutUpdate,
  paymentFailed,
  paymentNotified,
  paymentReversed,
  trainerCapacityChanged,
  type OnboardingStatus,
  type ReversalNotice,
} from '../../workflows/onboarding';
import { updateFailure } from './failures';

interface OnboardingDeps {
  config: Config;
  temporal: Client;
  taskQueues: TaskQueues;
}

// How long a checkout request waits for the saga to hand back Stripe's session.
const CHECKOUT_WAIT_MS = 20_000;

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

// Signal-with-start always joins a running workflow; the server takes no conflict policy for it.
function signalWithStartOptions(deps: OnboardingDeps, userId: string, track: TrackCode) {
  const { workflowIdConflictPolicy: _ignored, ...rest } = onboardingStartOptions(deps, userId, track);
  return rest;
}

/** A business refusal inside the saga (closed track, erased user, checkout already done). */
function checkoutRefusal(error: unknown) {
  const failure = updateFailure(error);
  if (!failure) return undefined;
  if (failure.transient)
    return errors.unavailable('Checkout is unavailable right now; try again in a moment.', {
      retryAfterSeconds: TEMPORAL_RETRY_AFTER_SECONDS,
      internal: failure.message,
    });
  if (failure.type === 'TrackClosed') return errors.conflict('This track is not open for enrollment.');
  if (failure.type === 'PaymentsNotConfigured') return errors.paymentsNotConfigured();
  return errors.conflict('Checkout is not possible for this enrollment.');
}

/**
 * Update-with-start: one round trip that starts the saga if needed and asks it for the
 * checkout session, which the workflow creates in an activity (idempotency key from
 * the workflow id), so a crash cannot leave a session without its saga. Gives up
 * waiting (503) after CHECKOUT_WAIT_MS; the saga keeps the session for the next try.
 */
export async function openCheckout(deps: OnboardingDeps, userId: string, track: TrackCode) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(errors.unavailable('Checkout is taking longer than usual; try again in a moment.')),
      CHECKOUT_WAIT_MS,
    );
  });
  const open = async () => {
    const startWorkflowOperation = new WithStartWorkflowOperation(
      onboarding,
      onboardingStartOptions(deps, userId, track),
    );
    const result = await deps.temporal.workflow.executeUpdateWithStart(openCheckoutUpdate, {
      startWorkflowOperation,
    });
    const handle = await startWorkflowOperation.workflowHandle();
    return { ...result, workflowId: handle.workflowId };
  };
  try {
    return await Promise.race([open(), timeout]);
  } catch (error) {
    throw checkoutRefusal(error) ?? error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An admin enrolls a student by hand. Without payment the saga is signalled to enroll
 * at once; with payment it is started and waits for the student's checkout.
 */
export async function adminEnroll(
  deps: OnboardingDeps,
  input: { userId: string; track: TrackCode; adminId: string; bypassPayment: boolean },
): Promise<WorkflowHandle> {
  return input.bypassPayment
    ? deps.temporal.workflow.signalWithStart(onboarding, {
        ...signalWithStartOptions(deps, input.userId, input.track),
        signal: adminEnrollRequested,
        signalArgs: [{ adminId: input.adminId }],
      })
    : deps.temporal.workflow.start(onboarding, onboardingStartOptions(deps, input.userId, input.track));
}

/**
 * Asks the student's saga to apply a stored suspend or reinstate and waits for the
 * outcome. Update-with-start: a closed saga gets a new run (reuse ALLOW_DUPLICATE, which
 * resumes from the enrollment row), so the change always goes through the workflow and
 * its follow-ups (a trainer seat to retry) are never lost. A move the enrollment's
 * status no longer allows (it changed meanwhile) answers 409 with the activity's message.
 */
export async function changeEnrollmentStatus(
  deps: OnboardingDeps,
  input: { userId: string; track: TrackCode; requestId: string },
) {
  const startWorkflowOperation = new WithStartWorkflowOperation(
    onboarding,
    onboardingStartOptions(deps, input.userId, input.track),
  );
  try {
    return await deps.temporal.workflow.executeUpdateWithStart(changeEnrollmentStatusUpdate, {
      args: [{ requestId: input.requestId }],
      startWorkflowOperation,
    });
  } catch (error) {
    const failure = updateFailure(error);
    if (failure?.type === 'EnrollmentStatusConflict') throw errors.conflict(failure.message);
    throw error;
  }
}

/** Stripe reports a checkout session paid (or, with `failed`, a delayed payment method failed). */
export async function signalPayment(
  deps: OnboardingDeps,
  input: { userId: string; track: TrackCode; sessionId: string; eventId: string; failed: boolean },
): Promise<void> {
  await deps.temporal.workflow.signalWithStart(onboarding, {
    ...signalWithStartOptions(deps, input.userId, input.track),
    signal: input.failed ? paymentFailed : paymentNotified,
    signalArgs: [{ sessionId: input.sessionId, eventId: input.eventId }],
  });
}

/** Stripe reports a refund or a dispute of the track's payment. */
export async function signalReversal(
  deps: OnboardingDeps,
  input: { userId: string; track: TrackCode } & ReversalNotice,
): Promise<void> {
  const { userId, track, ...notice } = input;
  await deps.temporal.workflow.signalWithStart(onboarding, {
    ...signalWithStartOptions(deps, userId, track),
    signal: paymentReversed,
    signalArgs: [notice],
  });
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
  const waiting = await enrollmentsRepo.waitingForTrainer(deps.knex, tracks);
  const results = await Promise.allSettled(
    waiting.map(({ userId, trackCode }) =>
      deps.temporal.workflow.getHandle(workflowIds.onboarding(userId, trackCode)).signal(trainerCapacityChanged),
    ),
  );
  return results.filter((r) => r.status === 'fulfilled').length;
}
