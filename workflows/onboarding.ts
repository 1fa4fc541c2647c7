import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  isCancellation,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AdminAlert } from '../activities/alerts';
import type { EnrollmentChange } from '../activities/enrollment';
import type { CheckoutResult, Verification } from '../activities/payments';
import type { TrackCode } from '../lib/domain/tracks';
import { checkoutActivities, emailActivities, sagaActivities } from './shared/activity-options';
import { createNotifier } from './shared/notify';
import { phaseSetter } from './shared/phase';
import { activeTrace, inTrace } from './shared/tracing';

/** Ids and durations only: the history holds no personal data. */
export interface OnboardingInput {
  userId: string;
  track: TrackCode;
  /** An unpaid checkout closes after this long (CHECKOUT_EXPIRY). */
  checkoutExpiryMs: number;
  /** First wait before retrying trainer assignment when all trainers are full. */
  trainerRetryMs: number;
}

export type OnboardingPhase =
  'STARTING' | 'AWAITING_PAYMENT' | 'ENROLLING' | 'ENROLLED' | 'SUSPENDED' | 'EXPIRED' | 'REFUNDED' | 'REJECTED';

export interface OnboardingStatus {
  phase: OnboardingPhase;
  sessionId?: string;
  paymentId?: string;
  enrollmentId?: string;
  trainerId: string | null;
  bypassPayment: boolean;
}

export interface PaymentNotice {
  sessionId: string;
  eventId?: string;
}
export interface ReversalNotice {
  kind: 'refund' | 'dispute';
  eventId: string;
  paymentIntentId?: string;
}

/** Stripe says something happened to a checkout session (completed, async succeeded). */
export const paymentNotified = defineSignal<[PaymentNotice]>('paymentNotified');
/** A delayed payment method failed: the next checkout request opens a fresh session. */
export const paymentFailed = defineSignal<[PaymentNotice]>('paymentFailed');
/** A refund or dispute reported by Stripe. */
export const paymentReversed = defineSignal<[ReversalNotice]>('paymentReversed');
/** An admin enrolls the student without payment (scholarship, testing). */
export const adminEnrollRequested = defineSignal<[{ adminId: string }]>('adminEnrollRequested');
/** A trainer seat may have freed up: retry assignment now rather than at the next timer. */
export const trainerCapacityChanged = defineSignal('trainerCapacityChanged');
/**
 * An admin suspended or reinstated the enrollment (a reinstated student may have lost a full trainer's seat).
 * Superseded by changeEnrollmentStatusUpdate; still handled so recorded histories that carry it replay.
 */
export const enrollmentChanged =
  defineSignal<[{ status: 'ENROLLED' | 'SUSPENDED'; trainerId: string | null }]>('enrollmentChanged');
/**
 * An admin suspends or reinstates: the saga applies the stored request (its id only: the
 * reason is free text) in an activity, then follows the change. Refused moves fail the
 * update with an `EnrollmentStatusConflict` ApplicationFailure.
 */
export const changeEnrollmentStatusUpdate = defineUpdate<EnrollmentChange, [{ requestId: string }]>(
  'changeEnrollmentStatus',
);
/** Opens (or returns the open) Checkout Session of this onboarding. */
export const openCheckoutUpdate = defineUpdate<CheckoutResult>('openCheckout');
export const onboardingStatus = defineQuery<OnboardingStatus>('status');

// Stripe accepts disputes for up to 120 days; after that a late event starts a new run.
const REVERSAL_WATCH_MS = 120 * 86_400_000;
const TRAINER_RETRY_CAP_MS = 6 * 3_600_000;

const acts = sagaActivities;
// The student waits on this one behind the API (opening a Stripe Checkout Session).
const checkoutActs = checkoutActivities;

const isBusinessFailure = (error: unknown): error is ActivityFailure =>
  error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable === true;

type PaymentOutcome =
  | { kind: 'paid'; sessionId: string; verification: Verification }
  | { kind: 'admin'; adminId: string }
  | { kind: 'expired' }
  | { kind: 'rejected' };

/**
 * Onboarding saga (`onboarding:<userId>:<track>`): payment → verified with Stripe →
 * recorded → ENROLLED → trainer → project 1 unlocked → welcome → admins told; then it
 * watches for refunds and disputes. A business failure after payment refunds it.
 * A new run resumes from the enrollment row, so a late event after the run closed is
 * handled the same way.
 */
export async function onboarding(input: OnboardingInput): Promise<OnboardingStatus> {
  const { userId, track } = input;
  const { workflowId, runId } = workflowInfo();
  const state: OnboardingStatus = { phase: 'STARTING', trainerId: null, bypassPayment: false };
  const notices: PaymentNotice[] = [];
  const reversals: ReversalNotice[] = [];
  let adminRequest: { adminId: string } | undefined;
  // The trace of the request behind each payment notice (and the admin's), so enrolling joins it.
  const traces = new Map<string, ReturnType<typeof activeTrace>>();
  let capacityNudged = false;
  let enrollmentLoaded = false;
  let checkout: Promise<CheckoutResult> | undefined;
  let checkoutAttempt = 0;
  let checkoutOpened = false;
  let alertSeq = 0;
  // Runs recorded before these changes replay on the old paths (test/histories/onboarding-*.json).
  // Emails and alerts go after the outcome they announce, in the background, and never fail the saga;
  // Slack and the admin email are separate activities.
  const notifyAfterSettle = patched('notify-after-settle');
  // A paid session at the wrong price, and a second payment for a track already paid, are refunded.
  const refundUnwanted = patched('refund-unwanted-payments');
  // Where the saga stands, in the CohortPhase search attribute: one upsert per change of phase.
  const upsertPhase = phaseSetter();
  const enter = (phase: OnboardingPhase) => {
    if (phase === state.phase && phase !== 'STARTING') return;
    state.phase = phase;
    upsertPhase(phase);
  };
  enter('STARTING');
  const notifier = createNotifier();
  // Each alert of this run gets its own key, so a retried activity posts to Slack and emails admins once.
  const alert = async (a: Omit<AdminAlert, 'idempotencyKey'>) => {
    const full = { ...a, idempotencyKey: `${workflowId}:${runId}:alert:${++alertSeq}` };
    if (notifyAfterSettle) notifier.alert(full);
    else await acts.alertAdmins(full);
  };

  setHandler(onboardingStatus, () => state);
  setHandler(paymentNotified, (notice) => {
    if (notices.some((n) => n.sessionId === notice.sessionId)) return;
    notices.push(notice);
    traces.set(notice.sessionId, activeTrace());
  });
  setHandler(paymentFailed, (notice) => {
    if (notice.sessionId === state.sessionId) checkout = undefined;
  });
  setHandler(paymentReversed, (notice) => {
    if (!reversals.some((r) => r.eventId === notice.eventId)) reversals.push(notice);
  });
  setHandler(adminEnrollRequested, (request) => {
    if (!adminRequest) traces.set('admin', activeTrace());
    adminRequest ??= request;
  });
  setHandler(trainerCapacityChanged, () => {
    capacityNudged = true;
  });
  const followEnrollmentChange = (change: { status: 'ENROLLED' | 'SUSPENDED'; trainerId: string | null }) => {
    if (state.phase !== 'ENROLLED' && state.phase !== 'SUSPENDED') return;
    enter(change.status);
    state.trainerId = change.trainerId;
    capacityNudged = true;
  };
  setHandler(enrollmentChanged, followEnrollmentChange);
  setHandler(changeEnrollmentStatusUpdate, async (request) => {
    // A run started by this update reads the enrollment row first; a change applied before that read would be lost.
    await condition(() => enrollmentLoaded);
    const change = await acts.changeEnrollmentStatus(request);
    followEnrollmentChange(change);
    return change;
  });
  setHandler(
    openCheckoutUpdate,
    async () => {
      // Concurrent or repeated requests share one session; a failed attempt is retried by the next request.
      checkout ??= checkoutActs
        .openCheckout({ userId, track, idempotencyKey: `${workflowId}:${runId}:checkout:${++checkoutAttempt}` })
        .catch((error: unknown) => {
          checkout = undefined;
          throw error;
        });
      const result = await checkout;
      checkoutOpened = true;
      state.sessionId = result.sessionId;
      return result;
    },
    {
      validator: () => {
        if (state.phase !== 'STARTING' && state.phase !== 'AWAITING_PAYMENT')
          throw new Error(`checkout closed: onboarding is ${state.phase}`);
      },
    },
  );

  const finish = async (phase: OnboardingPhase) => {
    enter(phase);
    await notifier.settled();
    await condition(allHandlersFinished);
    return state;
  };

  const existing = await acts.loadEnrollment({ userId, track });
  enrollmentLoaded = true;
  const alreadyEnrolled = existing && ['ENROLLED', 'SUSPENDED', 'COMPLETED'].includes(existing.status);
  if (existing && alreadyEnrolled) {
    Object.assign(state, { enrollmentId: existing.enrollmentId, trainerId: existing.trainerId });
    enter(existing.status === 'ENROLLED' ? 'ENROLLED' : 'SUSPENDED');
  } else {
    enter('AWAITING_PAYMENT');
    const outcome = await awaitPayment().catch(async (error: unknown) => {
      // Cancelled (the account's erasure): the open Checkout Session is closed at Stripe, so
      // nobody pays for an account that is gone; one paid meanwhile comes back as a webhook,
      // whose new run refunds it (the student no longer exists).
      if (isCancellation(error) && checkout && patched('close-checkout-on-cancel'))
        await CancellationScope.nonCancellable(closeCheckoutAtStripe);
      throw error;
    });
    if (outcome.kind === 'expired') {
      await acts.expireCheckout({ userId, track });
      return finish('EXPIRED');
    }
    if (outcome.kind === 'rejected') return finish('REJECTED');
    enter('ENROLLING');
    const enrolled = await inTrace(traces.get(outcome.kind === 'paid' ? outcome.sessionId : 'admin'), () =>
      enroll(outcome),
    );
    if (!enrolled) return finish('REFUNDED');
  }
  await watchEnrollment();
  return finish(state.phase);

  async function awaitPayment(): Promise<PaymentOutcome> {
    const deadline = Date.now() + input.checkoutExpiryMs;
    let closedAtStripe = false;
    for (;;) {
      const remaining = deadline - Date.now();
      const woke =
        remaining > 0 && (await condition(() => notices.length > 0 || adminRequest !== undefined, remaining));
      if (adminRequest) return { kind: 'admin', adminId: adminRequest.adminId };
      if (!woke) {
        if (!refundUnwanted || closedAtStripe) return { kind: 'expired' };
        closedAtStripe = true;
        // Closed at Stripe first, so nobody pays after the saga gave up; one paid at the last moment is verified now.
        const completedSessionId = await closeCheckoutAtStripe();
        if (!completedSessionId) return { kind: 'expired' };
        if (!notices.some((n) => n.sessionId === completedSessionId)) notices.push({ sessionId: completedSessionId });
      }
      const notice = notices.shift()!;
      const verification = await inTrace(traces.get(notice.sessionId), () =>
        acts.verifyCheckoutSession({ userId, track, sessionId: notice.sessionId }),
      );
      if (verification.outcome === 'paid') return { kind: 'paid', sessionId: notice.sessionId, verification };
      if (verification.outcome === 'wrong-price' && refundUnwanted) {
        await refundUnwantedPayment(notice.sessionId, verification, 'wrong-price-refunded');
        // That session is spent: the next checkout request opens a fresh one at today's price.
        if (notice.sessionId === state.sessionId) checkout = undefined;
        if (!checkoutOpened && !existing && notices.length === 0) return { kind: 'rejected' };
        continue;
      }
      if (
        verification.outcome === 'unknown' ||
        verification.outcome === 'mismatch' ||
        verification.outcome === 'wrong-price'
      ) {
        await alert({
          kind: verification.outcome === 'unknown' ? 'unknown-checkout-session' : 'checkout-mismatch',
          userId,
          track,
          refs: { session: notice.sessionId, event: notice.eventId },
        });
        // Started by a webhook alone, with no checkout of ours to wait for: nothing more to do.
        if (!checkoutOpened && !existing && notices.length === 0) return { kind: 'rejected' };
      }
      // 'unpaid' (a delayed method still settling) or 'expired': keep waiting.
    }
  }

  /** Expires the open Checkout Session at Stripe; returns it when it was completed (paid) meanwhile. */
  async function closeCheckoutAtStripe(): Promise<string | null> {
    try {
      return (await acts.expireCheckoutSession({ userId, track })).completedSessionId;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // Stripe closes it on its own at the session's expires_at (CHECKOUT_EXPIRY), so the saga need not wait.
      log.warn('checkout session not expired at Stripe', { reason: (error.cause as Error | undefined)?.name });
      return null;
    }
  }

  /**
   * Money Cohort will not keep (a wrong price, a track already paid): recorded, refunded
   * (one refund per session: the key is workflow id + session) and admins told.
   */
  async function refundUnwantedPayment(
    sessionId: string,
    verification: Verification,
    kind: 'wrong-price-refunded' | 'duplicate-payment-refunded',
    recorded?: string,
  ): Promise<void> {
    const paymentId =
      recorded ??
      (
        await acts.recordPayment({
          userId,
          track,
          sessionId,
          amountCents: verification.amountCents!,
          currency: verification.currency!,
          paymentIntentId: verification.paymentIntentId ?? null,
        })
      ).paymentId;
    try {
      await acts.refundPayment({ paymentId, idempotencyKey: `${workflowId}:refund:${sessionId}`, reason: kind });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // Stripe refused it or stayed down past the retries: a person must refund it; the saga goes on.
      log.error('refund of an unwanted payment failed', { kind, reason: (error.cause as Error | undefined)?.name });
      await alert({
        kind: 'refund-failed',
        userId,
        track,
        refs: { session: sessionId, payment: paymentId, for: kind },
      });
      return;
    }
    await alert({ kind, userId, track, refs: { session: sessionId, payment: paymentId } });
  }

  /** The compensated part of the saga. Returns false when it was unwound (refunded). */
  async function enroll(outcome: Exclude<PaymentOutcome, { kind: 'expired' | 'rejected' }>): Promise<boolean> {
    const compensations: Array<() => Promise<unknown>> = [];
    // Notifications of the unwinding, sent once it is committed.
    const unwound: Array<() => void> = [];
    try {
      if (outcome.kind === 'paid') {
        const { verification, sessionId } = outcome;
        const { paymentId, trackName } = await acts.recordPayment({
          userId,
          track,
          sessionId,
          amountCents: verification.amountCents!,
          currency: verification.currency!,
          paymentIntentId: verification.paymentIntentId ?? null,
        });
        state.paymentId = paymentId;
        state.sessionId = sessionId;
        const refundEmail = {
          idempotencyKey: `${workflowId}:refund-email:${sessionId}`,
          template: 'enrollment-refunded' as const,
          recipient: { userId },
          data: { trackName },
        };
        compensations.push(async () => {
          await acts.refundPayment({
            paymentId,
            idempotencyKey: `${workflowId}:refund:${sessionId}`,
            reason: 'enrollment failed',
          });
          if (notifyAfterSettle) {
            unwound.push(() => notifier.notify('refund-email', () => emailActivities.sendEmail(refundEmail)));
            return;
          }
          // The student hears about it unless they are gone (erased): that is not worth failing over.
          await acts.sendEmail(refundEmail).catch((error: unknown) => {
            if (!isBusinessFailure(error)) throw error;
          });
        });
      } else {
        state.bypassPayment = true;
      }
      const enrollment = await acts.enrollStudent({
        userId,
        track,
        paymentId: state.paymentId,
        bypassPayment: state.bypassPayment,
      });
      state.enrollmentId = enrollment.enrollmentId;
      compensations.push(() => acts.closeRefundedEnrollment({ userId, track, reason: 'enrollment failed' }));
      enter('ENROLLED');

      state.trainerId = (await acts.assignTrainer({ enrollmentId: enrollment.enrollmentId, track })).trainerId;
      const noTrainer = {
        kind: 'no-trainer-capacity' as const,
        userId,
        track,
        refs: { enrollment: enrollment.enrollmentId },
      };
      if (!state.trainerId && !notifyAfterSettle) await alert(noTrainer);
      await acts.unlockFirstProject({ userId, track });
      const welcome = {
        idempotencyKey: `${workflowId}:welcome`,
        template: 'welcome' as const,
        recipient: { userId },
        data: { trackName: enrollment.trackName, mustSetPassword: enrollment.mustSetPassword },
      };
      const enrolled = {
        kind: 'student-enrolled' as const,
        userId,
        track,
        refs: {
          enrollment: enrollment.enrollmentId,
          trainer: state.trainerId,
          payment: state.paymentId,
          bypass: state.bypassPayment ? 'yes' : null,
        },
      };
      if (notifyAfterSettle) {
        // Settled: enrolled, trainer (or not), project 1 open. A notification failing now changes none of that.
        notifier.notify('welcome-email', () => emailActivities.sendEmail(welcome));
        if (!state.trainerId) await alert(noTrainer);
        await alert(enrolled);
        return true;
      }
      await acts.sendEmail(welcome);
      await alert(enrolled);
      return true;
    } catch (error) {
      if (isCancellation(error) && compensations.length > 0 && patched('unwind-on-cancel')) {
        // Cancelled mid-enrollment (the account's erasure): the payment is refunded and the
        // enrollment closed, then admins told; the workflow still ends cancelled.
        await CancellationScope.nonCancellable(async () => {
          for (const undo of compensations.reverse()) await undo();
          await alert({
            kind: 'onboarding-refunded',
            userId,
            track,
            refs: { reason: 'cancelled', payment: state.paymentId },
          });
          await notifier.settled();
        });
        throw error;
      }
      if (!isBusinessFailure(error)) throw error;
      const reason = (error.cause as ApplicationFailure).type ?? 'failure';
      log.warn('onboarding unwinding', { reason });
      for (const undo of compensations.reverse()) await undo();
      if (state.enrollmentId === undefined) await acts.closeRefundedEnrollment({ userId, track, reason });
      for (const send of unwound) send();
      await alert({ kind: 'onboarding-refunded', userId, track, refs: { reason, payment: state.paymentId } });
      return false;
    }
  }

  /**
   * A payment reported after enrollment (e.g. the student paid although an admin had
   * enrolled them): recorded and tied to the enrollment; a second payment for a track
   * already paid, or one at the wrong price, is refunded (Cohort keeps no money without
   * an enrollment).
   */
  async function recordLatePayment(notice: PaymentNotice): Promise<void> {
    if (notice.sessionId === state.sessionId && state.paymentId) return;
    const verification = await acts.verifyCheckoutSession({ userId, track, sessionId: notice.sessionId });
    if (verification.outcome === 'wrong-price' && refundUnwanted)
      return refundUnwantedPayment(notice.sessionId, verification, 'wrong-price-refunded');
    if (verification.outcome !== 'paid') return;
    const { paymentId } = await acts.recordPayment({
      userId,
      track,
      sessionId: notice.sessionId,
      amountCents: verification.amountCents!,
      currency: verification.currency!,
      paymentIntentId: verification.paymentIntentId ?? null,
    });
    if (refundUnwanted) {
      const { attached } = await acts.attachLatePayment({ userId, track, paymentId });
      if (attached) state.paymentId ??= paymentId;
      else await refundUnwantedPayment(notice.sessionId, verification, 'duplicate-payment-refunded', paymentId);
      return;
    }
    state.paymentId ??= paymentId;
    await acts.enrollStudent({ userId, track, paymentId }).catch((error: unknown) => {
      if (!isBusinessFailure(error)) throw error;
    });
  }

  /** Applies refunds and disputes; keeps retrying trainer assignment while nobody has room. */
  async function watchEnrollment(): Promise<void> {
    const watchUntil = Date.now() + REVERSAL_WATCH_MS;
    let retryMs = input.trainerRetryMs;
    for (;;) {
      while (reversals.length > 0) {
        const reversal = reversals.shift()!;
        const { suspended } = await acts.suspendForPaymentReversal({
          userId,
          track,
          kind: reversal.kind,
          paymentIntentId: reversal.paymentIntentId,
        });
        if (suspended) {
          enter('SUSPENDED');
          await alert({
            kind: 'payment-reversed',
            userId,
            track,
            refs: { event: reversal.eventId, kind: reversal.kind },
          });
        }
      }
      while (notices.length > 0) await recordLatePayment(notices.shift()!);
      const waitingForTrainer = state.phase === 'ENROLLED' && !state.trainerId && state.enrollmentId !== undefined;
      const remaining = watchUntil - Date.now();
      if (remaining <= 0) return;
      const woke = await condition(
        () => reversals.length > 0 || notices.length > 0 || capacityNudged,
        waitingForTrainer ? Math.min(retryMs, remaining) : remaining,
      );
      if (reversals.length > 0 || notices.length > 0 || !waitingForTrainer || (woke && !capacityNudged)) {
        // A nudge while not waiting is spent, unless it just made this saga wait (reinstated without a seat).
        if (!waitingForTrainer) capacityNudged &&= state.phase === 'ENROLLED' && !state.trainerId;
        continue;
      }
      capacityNudged = false;
      state.trainerId = (await acts.assignTrainer({ enrollmentId: state.enrollmentId!, track })).trainerId;
      if (state.trainerId)
        await alert({
          kind: 'trainer-assigned',
          userId,
          track,
          refs: { enrollment: state.enrollmentId, trainer: state.trainerId },
        });
      else retryMs = Math.min(retryMs * 2, TRAINER_RETRY_CAP_MS);
    }
  }
}
