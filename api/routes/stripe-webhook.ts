import express, { Router } from 'express';
import { z } from 'zod';
import type Stripe from 'stripe';
import { verifyStripeEvent } from '../../lib/adapters/stripe';
import { paymentsRepo } from '../../lib/db/repositories/payments';
import { stripeEventsRepo, type StripeEventOutcome } from '../../lib/db/repositories/stripe-events';
import { errors } from '../../lib/errors';
import { recordStripeEvent } from '../../lib/payments/record-stripe-event';
import type { AppDeps } from '../deps';
import { signalPayment, signalReversal } from '../workflows/onboarding';
import { startStripeAlert } from '../workflows/stripe-alert';
import type { TrackCode } from '../../lib/domain/tracks';
import type { RouterFactory } from './index';
import { trackCodeSchema } from '../../lib/domain/index';

const HANDLED_EVENTS = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'charge.refunded',
  'charge.dispute.created',
]);
const cohortRef = z.object({ userId: z.uuid(), track: trackCodeSchema });
// Every Stripe event has these; a signed body without them is refused (400), not a 500 Stripe would retry.
const eventShape = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.looseObject({ id: z.string().min(1).max(255) }) }),
});
type Outcome = StripeEventOutcome | 'retry-later';

/**
 * How long a refund or dispute of a payment Cohort has not recorded is answered 503 (Stripe
 * redelivers), counted from the event's `created`: the payment may be on its way (events
 * arrive out of order). After that it never will be: acknowledged, ignored, admins alerted,
 * rather than failing for Stripe's three days of retries until it disables the endpoint.
 */
export const UNRECORDED_PAYMENT_WAIT_MS = 3_600_000;

/**
 * Stripe's webhook: the raw body is verified against Stripe-Signature (5-minute
 * tolerance), the event id stored once (ids only, no payload), and the onboarding saga
 * signalled (or started). Answers fast; the saga does the slow part.
 */
export const createStripeWebhookRouter: RouterFactory = (deps, registry) => {
  const router = Router();
  registry.registerPath({
    method: 'post',
    path: '/api/payments/webhook',
    summary: 'Stripe webhook (signed events)',
    tags: ['Payments'],
    request: {
      headers: z.object({ 'stripe-signature': z.string() }),
      body: { content: { 'application/json': { schema: z.object({ id: z.string(), type: z.string() }) } } },
    },
    responses: {
      200: {
        description: 'Received (or ignored: an event type Cohort does not handle)',
        content: { 'application/json': { schema: z.object({ received: z.literal(true) }) } },
      },
      400: { description: 'Missing, invalid or stale signature, or not JSON; nothing stored' },
      503: {
        description:
          'Payments not configured, or a refund or dispute names a payment not recorded yet, within an hour of the ' +
          "event's `created` (Stripe redelivers); after that hour such an event is acknowledged (200), ignored and " +
          'admins are alerted',
      },
    },
  });

  router.post('/api/payments/webhook', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const secret = deps.config.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw errors.paymentsNotConfigured();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const count = (type: string, outcome: string) =>
      deps.metrics?.webhookEvents.inc({ type: HANDLED_EVENTS.has(type) ? type : 'other', outcome });
    let event: Stripe.Event;
    try {
      event = verifyStripeEvent(body, req.get('stripe-signature'), secret);
    } catch (error) {
      req.log?.info({ reason: (error as Error).name }, 'stripe webhook rejected');
      count('other', 'rejected');
      throw errors.validation(
        error instanceof SyntaxError
          ? 'The event is not valid JSON.'
          : 'The Stripe-Signature is missing, invalid or too old.',
      );
    }
    if (!eventShape.safeParse(event).success) {
      count('other', 'rejected');
      throw errors.validation('The body is not a Stripe event.');
    }
    if (!HANDLED_EVENTS.has(event.type)) {
      count(event.type, 'ignored');
      res.json({ received: true, ignored: true });
      return;
    }
    const object = event.data.object as { id: string };
    const stored = await recordStripeEvent(deps.knex, { id: event.id, type: event.type, objectId: object.id });
    // Processed already: a duplicate delivery changes nothing. Stored but unprocessed: a crash, so route it again.
    if (stored.processed) {
      count(event.type, 'duplicate');
      res.json({ received: true, duplicate: true });
      return;
    }
    const outcome = await routeEvent(deps, event, req.log);
    count(event.type, outcome);
    if (outcome === 'retry-later')
      throw errors.unavailable('The event refers to a payment not recorded yet; Stripe will redeliver it.');
    await stripeEventsRepo.markProcessed(deps.knex, event.id, outcome);
    res.json(outcome === 'routed' ? { received: true } : { received: true, ignored: true });
  });

  return { router, rawBody: true };
};

async function routeEvent(
  deps: AppDeps,
  event: Stripe.Event,
  log?: { warn: (o: object, m: string) => void },
): Promise<Outcome> {
  if (event.type.startsWith('checkout.session.')) {
    const session = event.data.object as Stripe.Checkout.Session;
    const ref = cohortRef.safeParse({
      userId: session.metadata?.userId ?? session.client_reference_id,
      track: session.metadata?.track,
    });
    if (!ref.success) {
      log?.warn({ eventId: event.id }, 'checkout event without a Cohort user and track; ignored');
      return 'ignored';
    }
    await signalPayment(deps, {
      userId: ref.data.userId,
      track: ref.data.track,
      sessionId: session.id,
      eventId: event.id,
      failed: event.type === 'checkout.session.async_payment_failed',
    });
    return 'routed';
  }

  // charge.refunded carries a Charge; charge.dispute.created a Dispute: both name the payment intent.
  const object = event.data.object as {
    payment_intent?: string | { id: string } | null;
    refunded?: boolean;
    metadata?: Record<string, string>;
  };
  if (event.type === 'charge.refunded' && object.refunded === false) return 'ignored'; // partial refund: the enrollment stands
  const paymentIntentId = typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent?.id;
  const payment = paymentIntentId ? await paymentsRepo.byPaymentIntent(deps.knex, paymentIntentId) : undefined;
  const ref = cohortRef.safeParse(
    payment?.userId ? { userId: payment.userId, track: payment.trackCode } : (object.metadata ?? {}),
  );
  const kind = event.type === 'charge.refunded' ? 'refund' : 'dispute';
  if (!ref.success) {
    if (payment) return 'ignored';
    if (Date.now() - event.created * 1000 < UNRECORDED_PAYMENT_WAIT_MS) return 'retry-later';
    // Started before the event is marked processed, so a crash in between loses no alert.
    await startStripeAlert(deps, { eventId: event.id, kind, paymentIntentId: paymentIntentId ?? null });
    log?.warn({ eventId: event.id }, 'refund or dispute of a payment never recorded; ignored, admins alerted');
    return 'unknown-payment';
  }
  await signalReversal(deps, {
    userId: ref.data.userId,
    track: ref.data.track as TrackCode,
    kind,
    eventId: event.id,
    paymentIntentId,
  });
  return 'routed';
}
