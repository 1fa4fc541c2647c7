import { defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import { createNotifier } from './shared/notify';
import { phaseSetter } from './shared/phase';

/** Ids only: the Stripe event, what it reported, and the payment intent it named. */
export interface StripeAlertInput {
  eventId: string;
  kind: 'refund' | 'dispute';
  paymentIntentId: string | null;
}
export type StripeAlertStatus = 'alerting' | 'done';

export const stripeAlertStatus = defineQuery<StripeAlertStatus>('status');

/**
 * `stripe-alert:<eventId>`: admins hear of a refund or dispute of a payment Cohort never
 * recorded, which the webhook acknowledged (200) so Stripe stops redelivering it. Started
 * by the webhook before it acknowledges, so the alert survives an API crash. Used only when
 * the event names no Cohort user and track (else the onboarding saga takes it).
 */
export async function stripeAlert(input: StripeAlertInput): Promise<{ eventId: string }> {
  let status: StripeAlertStatus = 'alerting';
  setHandler(stripeAlertStatus, () => status);
  const setPhase = phaseSetter();
  setPhase('ALERTING');
  const notifier = createNotifier();
  notifier.alert({
    kind: 'unknown-payment-reversal',
    idempotencyKey: `${workflowInfo().workflowId}:alert`,
    refs: { event: input.eventId, kind: input.kind, payment_intent: input.paymentIntentId },
  });
  await notifier.settled();
  status = 'done';
  setPhase('DONE');
  return { eventId: input.eventId };
}
