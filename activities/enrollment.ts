import { ApplicationFailure } from '@temporalio/activity';
import { curriculumRepo } from '../lib/db/repositories/curriculum';
import { enrollmentsRepo, type EnrollmentStatus } from '../lib/db/repositories/enrollments';
import { paymentsRepo } from '../lib/db/repositories/payments';
import { trainersRepo } from '../lib/db/repositories/trainers';
import { usersRepo } from '../lib/db/repositories/users';
import { changeEnrollmentStatus } from '../lib/enrollments/change-enrollment-status';
import { enrollRefusal } from '../lib/domain/enrollment';
import { attachLatePayment } from '../lib/enrollments/attach-late-payment';
import { markEnrolled } from '../lib/enrollments/mark-enrolled';
import { attachPayment } from '../lib/payments/attach-payment';
import type { ActivityDeps } from './index';

export interface EnrollmentSnapshot {
  enrollmentId: string;
  status: EnrollmentStatus;
  trainerId: string | null;
  paymentVerified: boolean;
}
/** An admin's suspend or reinstate as applied: ids and statuses only, for the saga to follow. */
export interface EnrollmentChange {
  enrollmentId: string;
  status: 'ENROLLED' | 'SUSPENDED';
  trainerId: string | null;
}
/** What the welcome email needs besides the recipient (looked up by the email activity). */
export interface Enrolled extends EnrollmentSnapshot {
  trackName: string;
  mustSetPassword: boolean;
}

/**
 * The user and track when the user may enroll in it; otherwise a business failure typed
 * by the refusal (UserUnavailable, TrackClosed), which a saga answers with a refund.
 */
export function requireEnrollable<U extends { role: string; anonymized: boolean }, T extends { active: boolean }>(
  user: U | undefined,
  track: T | undefined,
  userMessage: string,
): { user: U; track: T } {
  const refusal = enrollRefusal(user, track);
  if (refusal || !user || !track)
    throw ApplicationFailure.nonRetryable(
      refusal === 'TrackClosed' ? 'The track is closed' : userMessage,
      refusal ?? 'UserUnavailable',
    );
  return { user, track };
}

export function createEnrollmentActivities({ knex }: ActivityDeps) {
  return {
    /** Where a (re)started onboarding stands in the database, the source of truth. */
    async loadEnrollment(input: { userId: string; track: string }): Promise<EnrollmentSnapshot | null> {
      const row = await enrollmentsRepo.find(knex, input.userId, input.track);
      return row
        ? { enrollmentId: row.id, status: row.status, trainerId: row.trainerId, paymentVerified: row.paymentVerified }
        : null;
    },

    /**
     * ENROLLED with enrolled_at and payment_verified (or bypass_payment). Fails for
     * good when the user was erased or the track closed: the saga then refunds.
     */
    async enrollStudent(input: {
      userId: string;
      track: string;
      paymentId?: string;
      bypassPayment?: boolean;
    }): Promise<Enrolled> {
      const { user, track } = requireEnrollable(
        await usersRepo.findById(knex, input.userId),
        await curriculumRepo.findTrack(knex, input.track),
        'The user no longer exists',
      );
      return knex.transaction(async (trx) => {
        const pending = await enrollmentsRepo.openPending(
          trx,
          input.userId,
          input.track,
          input.bypassPayment ? { bypassPayment: true } : {},
        );
        const row = await markEnrolled(trx, pending.id, Boolean(input.paymentId));
        if (input.paymentId) await attachPayment(trx, input.paymentId, pending.id, input.userId);
        return {
          enrollmentId: row.id,
          status: row.status,
          trainerId: row.trainerId,
          paymentVerified: row.paymentVerified,
          trackName: track.name,
          mustSetPassword: user.mustSetPassword,
        };
      });
    },

    /**
     * Ties a payment recorded after enrollment to it; `attached: false` when the track was
     * paid already (or there is no enrollment): the saga refunds it.
     */
    async attachLatePayment(input: {
      userId: string;
      track: string;
      paymentId: string;
    }): Promise<{ attached: boolean }> {
      const outcome = await knex.transaction((trx) => attachLatePayment(trx, input));
      return { attached: outcome === 'attached' };
    },

    /** The least-loaded trainer with room, or null when every trainer is full. */
    async assignTrainer(input: { enrollmentId: string; track: string }): Promise<{ trainerId: string | null }> {
      return { trainerId: await trainersRepo.assignLeastLoaded(knex, input.enrollmentId, input.track) };
    },

    /**
     * A refund or dispute reported by Stripe: payment marked, enrollment SUSPENDED. The
     * echo of a refund Cohort made itself (an unwanted payment, a compensation) changes nothing.
     */
    async suspendForPaymentReversal(input: {
      userId: string;
      track: string;
      kind: 'refund' | 'dispute';
      paymentIntentId?: string;
    }): Promise<{ suspended: boolean }> {
      return knex.transaction(async (trx) => {
        const payment = input.paymentIntentId
          ? await paymentsRepo.byPaymentIntent(trx, input.paymentIntentId)
          : undefined;
        if (payment?.stripeRefundId) return { suspended: false };
        if (payment) {
          if (input.kind === 'refund') await paymentsRepo.markRefunded(trx, payment.id, null);
          else await paymentsRepo.markDisputed(trx, payment.id);
        }
        const enrollment = await enrollmentsRepo.find(trx, input.userId, input.track);
        if (!enrollment) return { suspended: false };
        const row = await enrollmentsRepo.setStatus(trx, enrollment.id, 'SUSPENDED', {
          from: ['ENROLLED', 'PENDING_PAYMENT'],
          reason: input.kind === 'refund' ? 'payment refunded' : 'payment disputed',
        });
        return { suspended: Boolean(row) };
      });
    },

    /** Closes an enrollment after a compensation refund. */
    async closeRefundedEnrollment(input: { userId: string; track: string; reason: string }): Promise<void> {
      const enrollment = await enrollmentsRepo.find(knex, input.userId, input.track);
      if (enrollment)
        await enrollmentsRepo.setStatus(knex, enrollment.id, 'SUSPENDED', {
          from: ['PENDING_PAYMENT', 'ENROLLED', 'EXPIRED'],
          reason: `refunded: ${input.reason}`,
        });
    },

    /** An unpaid checkout timed out: the pending enrollment is closed. */
    async expireCheckout(input: { userId: string; track: string }): Promise<void> {
      const enrollment = await enrollmentsRepo.find(knex, input.userId, input.track);
      if (enrollment)
        await enrollmentsRepo.setStatus(knex, enrollment.id, 'EXPIRED', {
          from: ['PENDING_PAYMENT'],
          reason: 'checkout expired',
        });
    },

    /**
     * Applies an admin's stored suspend or reinstate (the request row holds the reason and
     * the admin's address, so neither enters the history). A move the enrollment's status
     * does not allow fails for good with the user-safe message the API answers 409 with.
     */
    async changeEnrollmentStatus(input: { requestId: string }): Promise<EnrollmentChange> {
      const result = await changeEnrollmentStatus(knex, input.requestId);
      if (result.outcome === 'refused')
        throw ApplicationFailure.nonRetryable(result.refusal, 'EnrollmentStatusConflict');
      if (result.outcome === 'unknown-request')
        throw ApplicationFailure.nonRetryable('No such enrollment status request', 'EnrollmentStatusRequestUnknown');
      return { enrollmentId: result.enrollment.id, status: result.to, trainerId: result.enrollment.trainerId };
    },
  };
}
