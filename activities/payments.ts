import { ApplicationFailure } from '@temporalio/activity';
import type Stripe from 'stripe';
import { isStripeMissing, isStripePermanent, requireStripeObject } from '../lib/adapters/stripe';
import { curriculumRepo } from '../lib/db/repositories/curriculum';
import { enrollmentsRepo } from '../lib/db/repositories/enrollments';
import { paymentsRepo } from '../lib/db/repositories/payments';
import { usersRepo } from '../lib/db/repositories/users';
import { setCheckoutSession } from '../lib/enrollments/set-checkout-session';
import { requireEnrollable } from './enrollment';
import type { ActivityDeps } from './index';

export interface CheckoutResult {
  sessionId: string;
  checkoutUrl: string;
}
/**
 * `mismatch`: not this user's or track's session; `wrong-price`: this user's, paid, but
 * not at the track's price and currency (the price changed since): refunded by the saga.
 */
export type VerificationOutcome = 'paid' | 'unpaid' | 'expired' | 'unknown' | 'mismatch' | 'wrong-price';
export interface Verification {
  outcome: VerificationOutcome;
  amountCents?: number;
  currency?: string;
  paymentIntentId?: string | null;
}

// Stripe takes expires_at 30 minutes to 24 hours after creation; a minute inside each bound absorbs clock skew.
const STRIPE_EXPIRY_MIN_S = 31 * 60;
const STRIPE_EXPIRY_MAX_S = 24 * 3600 - 60;

/** When a session opened now closes at Stripe: CHECKOUT_EXPIRY from now, inside Stripe's bounds. */
export function checkoutExpiresAt(nowMs: number, checkoutExpiryMs: number): number {
  const seconds = Math.min(STRIPE_EXPIRY_MAX_S, Math.max(STRIPE_EXPIRY_MIN_S, Math.floor(checkoutExpiryMs / 1000)));
  return Math.floor(nowMs / 1000) + seconds;
}

/** Stripe 4xx: a business failure no retry fixes; anything else is retried. */
function classify(error: unknown, type: string): never {
  if (isStripePermanent(error)) throw ApplicationFailure.nonRetryable((error as Error).message, type);
  throw error;
}

export function createPaymentActivities({ knex, stripe, config }: Pick<ActivityDeps, 'knex' | 'stripe' | 'config'>) {
  const client = (): Stripe => {
    if (!stripe) throw ApplicationFailure.nonRetryable('Payments are not configured', 'PaymentsNotConfigured');
    return stripe;
  };

  return {
    /**
     * The pending enrollment and a Checkout Session for the track's price. The
     * idempotency key (workflow id + run + attempt) makes a retried call return the
     * same session.
     */
    async openCheckout(input: { userId: string; track: string; idempotencyKey: string }): Promise<CheckoutResult> {
      const { user, track } = requireEnrollable(
        await usersRepo.findById(knex, input.userId),
        await curriculumRepo.findTrack(knex, input.track),
        'The user cannot enroll',
      );
      const enrollment = await enrollmentsRepo.openPending(knex, input.userId, input.track);
      const session = await client()
        .checkout.sessions.create(
          {
            mode: 'payment',
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: track.currency,
                  unit_amount: track.priceCents,
                  product_data: { name: track.name },
                },
              },
            ],
            client_reference_id: input.userId,
            customer_email: user.email,
            metadata: { userId: input.userId, track: input.track },
            // Refund and dispute events carry the payment intent, not the session.
            payment_intent_data: { metadata: { userId: input.userId, track: input.track } },
            // Stripe closes it on its own when the saga would (the saga also expires it then).
            expires_at: checkoutExpiresAt(Date.now(), config.CHECKOUT_EXPIRY),
            success_url: `${config.PUBLIC_BASE_URL}/enrollment?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
            cancel_url: `${config.PUBLIC_BASE_URL}/enrollment?checkout=cancelled`,
          },
          { idempotencyKey: input.idempotencyKey },
        )
        .catch((error: unknown) => classify(error, 'CheckoutRejected'));
      requireStripeObject(session, 'checkout.session');
      if (!session.url) throw ApplicationFailure.nonRetryable('Stripe returned no checkout URL', 'CheckoutRejected');
      await setCheckoutSession(knex, enrollment.id, session.id);
      return { sessionId: session.id, checkoutUrl: session.url };
    },

    /** Asks Stripe itself whether the session is paid, for this user and track, at the track's price. */
    async verifyCheckoutSession(input: { userId: string; track: string; sessionId: string }): Promise<Verification> {
      let session: Stripe.Checkout.Session;
      try {
        session = requireStripeObject(await client().checkout.sessions.retrieve(input.sessionId), 'checkout.session');
      } catch (error) {
        if (isStripeMissing(error)) return { outcome: 'unknown' };
        return classify(error, 'StripeRejected');
      }
      const track = await curriculumRepo.findTrack(knex, input.track);
      const owner = session.metadata?.userId ?? session.client_reference_id;
      const paymentIntentId =
        typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
      const facts = {
        amountCents: session.amount_total ?? undefined,
        currency: session.currency ?? undefined,
        paymentIntentId,
      };
      if (owner !== input.userId || (session.metadata?.track ?? input.track) !== input.track)
        return { outcome: 'mismatch', ...facts };
      if (session.status === 'expired') return { outcome: 'expired', ...facts };
      if (session.payment_status !== 'paid') return { outcome: 'unpaid', ...facts };
      if (!track || session.amount_total !== track.priceCents || session.currency !== track.currency)
        return { outcome: 'wrong-price', ...facts };
      return { outcome: 'paid', ...facts };
    },

    /** The payment, once per checkout session (kept seven years, even after erasure). */
    async recordPayment(input: {
      userId: string;
      track: string;
      sessionId: string;
      amountCents: number;
      currency: string;
      paymentIntentId: string | null;
    }): Promise<{ paymentId: string; trackName: string }> {
      const user = await usersRepo.findById(knex, input.userId);
      const enrollment = await enrollmentsRepo.find(knex, input.userId, input.track);
      const payment = await paymentsRepo.record(knex, {
        userId: user ? input.userId : null,
        enrollmentId: enrollment?.id ?? null,
        trackCode: input.track,
        stripeCheckoutSessionId: input.sessionId,
        stripePaymentIntentId: input.paymentIntentId,
        amountCents: input.amountCents,
        currency: input.currency,
      });
      const track = await curriculumRepo.findTrack(knex, input.track);
      return { paymentId: payment.id, trackName: track?.name ?? input.track };
    },

    /**
     * The saga gave up waiting: the enrollment's open Checkout Session is expired at Stripe,
     * so nobody pays after. A session completed meanwhile (paid at the last moment) is
     * returned for the saga to verify; one closed already is left alone.
     */
    async expireCheckoutSession(input: {
      userId: string;
      track: string;
    }): Promise<{ completedSessionId: string | null }> {
      const sessionId = (await enrollmentsRepo.find(knex, input.userId, input.track))?.checkoutSessionId;
      if (!sessionId || !stripe) return { completedSessionId: null };
      try {
        requireStripeObject(await stripe.checkout.sessions.expire(sessionId), 'checkout.session');
        return { completedSessionId: null };
      } catch (error) {
        if (!isStripePermanent(error)) throw error;
      }
      // Refused: only an open session can be expired. Complete (paid or settling) or expired already?
      const session = requireStripeObject(
        await stripe.checkout.sessions.retrieve(sessionId).catch((error: unknown) => classify(error, 'StripeRejected')),
        'checkout.session',
      );
      return { completedSessionId: session.status === 'complete' ? session.id : null };
    },

    /** Gives the money back (compensation); a payment refunded already counts as done. */
    async refundPayment(input: {
      paymentId: string;
      idempotencyKey: string;
      reason: string;
    }): Promise<{ refundId: string | null }> {
      const payment = await paymentsRepo.byId(knex, input.paymentId);
      if (!payment) throw ApplicationFailure.nonRetryable('No such payment', 'PaymentMissing');
      if (payment.status === 'REFUNDED') return { refundId: payment.stripeRefundId };
      let refundId: string | null = null;
      try {
        const refund = await client().refunds.create(
          {
            // Checkout payments always carry one; without it Stripe refuses the refund (a permanent failure).
            payment_intent: payment.stripePaymentIntentId ?? undefined,
            reason: 'requested_by_customer',
            metadata: { cohortReason: input.reason },
          },
          { idempotencyKey: input.idempotencyKey },
        );
        refundId = requireStripeObject(refund, 'refund').id;
      } catch (error) {
        if ((error as { code?: string }).code !== 'charge_already_refunded') classify(error, 'RefundRejected');
      }
      await paymentsRepo.markRefunded(knex, payment.id, refundId);
      return { refundId };
    },
  };
}
