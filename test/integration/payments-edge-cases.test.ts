import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { createStripeClient } from '../../lib/adapters/stripe';
import { CohortKind } from '../../lib/temporal/search-attributes';
import { onboardingStatus } from '../../workflows/onboarding';
import { stripeAlertStatus } from '../../workflows/stripe-alert';
import {
  addTrainer,
  checkout,
  emailsTo,
  enrollmentOf,
  pay,
  startPaymentsStack,
  waitFor,
  waitForEnrollment,
  type PaymentsStack,
} from '../helpers/payments';
import { createTestUser } from '../helpers/users';

/**
 * Stripe's edge cases end to end: the API, worker and sagas against the Stripe stand-in
 * (spoken to by the real `stripe` client) and a fake Slack. Cohort keeps no money without
 * an enrollment, never leaves Stripe redelivering an event for days, and a revoked Slack
 * webhook blocks no onboarding.
 */
let p: PaymentsStack;
let stripe: Stripe;
beforeAll(async () => {
  p = await startPaymentsStack();
  stripe = createStripeClient(p.stack.config)!;
  await addTrainer(p, ['DP', 'FSD'], 20);
});
afterAll(async () => {
  await p?.close();
});

const webhook = (body: string) =>
  p.stack.http.request('POST', '/api/payments/webhook', body, {
    'content-type': 'application/json',
    'stripe-signature': p.standin.controls.sign(body),
  });
const slackAbout = (text: string) => p.slack.messages.filter((m) => m.includes(text));
const adminEmailsAbout = async (text: string) =>
  (await p.stack.knex('email_messages').where({ template: 'admin-alert' })).filter((e) => e.textBody.includes(text));
const paymentOf = (sessionId: string) => p.stack.knex('payments').where({ stripeCheckoutSessionId: sessionId }).first();
const refundsOf = (paymentIntentId: string) =>
  p.standin.controls.refunds().filter((r) => r.payment_intent === paymentIntentId);
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

describe('a refund or dispute of a payment Cohort never recorded', () => {
  const reversal = (ageSeconds: number, type = 'charge.refunded') =>
    JSON.stringify({
      id: `evt_test_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000) - ageSeconds,
      data: {
        object:
          type === 'charge.refunded'
            ? {
                id: `ch_test_${randomUUID()}`,
                object: 'charge',
                payment_intent: `pi_test_${randomUUID()}`,
                refunded: true,
              }
            : { id: `dp_test_${randomUUID()}`, object: 'dispute', payment_intent: `pi_test_${randomUUID()}` },
      },
    });

  it('answers 503 within an hour of the event, so Stripe redelivers while the payment may be on its way', async () => {
    for (const body of [reversal(0), reversal(3_500), reversal(60, 'charge.dispute.created')]) {
      const res = await webhook(body);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const stored = await p.stack
        .knex('stripeEvents')
        .where({ id: JSON.parse(body).id })
        .first();
      expect(stored).toMatchObject({ processedAt: null, outcome: null });
    }
  });

  it('after an hour answers 200, marks the event processed and alerts admins once, through a workflow', async () => {
    const event = p.standin.controls.foreignChargeRefunded(2 * 3600);
    await p.standin.controls.idle();
    expect(p.standin.controls.deliveries.filter((d) => d.eventId === event.id).map((d) => d.status)).toEqual([200]);
    expect(await p.stack.knex('stripeEvents').where({ id: event.id }).first()).toMatchObject({
      outcome: 'unknown-payment',
      processedAt: expect.any(Date),
    });
    const handle = p.stack.client.workflow.getHandle(`stripe-alert:${event.id}`);
    expect(await handle.result()).toEqual({ eventId: event.id });
    expect(await handle.query(stripeAlertStatus)).toBe('done');
    expect((await handle.describe()).typedSearchAttributes.get(CohortKind)).toBe('stripe-alert');
    const paymentIntent = String(event.data.object.payment_intent);
    expect(slackAbout(event.id)).toHaveLength(1);
    expect(slackAbout(event.id)[0]).toContain(paymentIntent);
    expect(await adminEmailsAbout(event.id)).toHaveLength(1);

    // Stripe delivers it again (at least once): a duplicate, alerting nobody twice.
    const again = await webhook(JSON.stringify(event));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ received: true, duplicate: true });
    await settle();
    expect(slackAbout(event.id)).toHaveLength(1);
    expect(await adminEmailsAbout(event.id)).toHaveLength(1);
  });

  it('alerts once even when the API crashed between starting the alert and marking the event processed', async () => {
    const body = reversal(7200, 'charge.dispute.created');
    const { id } = JSON.parse(body) as { id: string };
    expect((await webhook(body)).status).toBe(200);
    // As if the processed mark had never been written: Stripe redelivers, the route runs again.
    await p.stack.knex('stripeEvents').where({ id }).update({ processedAt: null, outcome: null });
    expect((await webhook(body)).status).toBe(200);
    await p.stack.client.workflow.getHandle(`stripe-alert:${id}`).result();
    await settle();
    expect(slackAbout(id)).toHaveLength(1);
    expect(await adminEmailsAbout(id)).toHaveLength(1);
  });
});

describe('money Cohort will not keep', () => {
  it('refunds a paid session whose price no longer matches the track, alerts once, and enrolls on a fresh checkout', async () => {
    const student = await createTestUser(p.stack.knex);
    const first = await checkout(p, student, 'FSD');
    const track = await p.stack.knex('tracks').where({ code: 'FSD' }).first();
    await p.stack
      .knex('tracks')
      .where({ code: 'FSD' })
      .update({ priceCents: track.priceCents + 10_000 });
    try {
      await pay(first.checkoutUrl);
      const refunded = await waitFor('wrong-price refund', async () => {
        const row = await paymentOf(first.sessionId);
        return row?.status === 'REFUNDED' ? row : undefined;
      });
      expect(refunded).toMatchObject({ amountCents: track.priceCents, userId: student.user.id });
      expect(refunded.stripeRefundId).toMatch(/^re_/);
      const refunds = refundsOf(refunded.stripePaymentIntentId);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ amount: track.priceCents, id: refunded.stripeRefundId });
      await waitFor('alert', async () => (slackAbout(first.sessionId).length > 0 ? true : undefined));
      expect((await enrollmentOf(p, student.user.id, 'FSD')).status).toBe('PENDING_PAYMENT');

      // The next checkout is a fresh session at today's price; paying it enrolls, and the echo of
      // Cohort's own refund (charge.refunded) suspends nothing.
      const second = await checkout(p, student, 'FSD');
      expect(second.sessionId).not.toBe(first.sessionId);
      expect(p.standin.controls.session(second.sessionId)).toMatchObject({ amount_total: track.priceCents + 10_000 });
      await pay(second.checkoutUrl);
      await waitForEnrollment(p, student.user.id, 'ENROLLED', 'FSD');
      await p.standin.controls.idle();
      await settle();
      expect((await enrollmentOf(p, student.user.id, 'FSD')).status).toBe('ENROLLED');
      expect(await paymentOf(second.sessionId)).toMatchObject({ status: 'PAID' });
      const alerts = slackAbout(first.sessionId);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toContain('other than the track price');
      expect(await adminEmailsAbout(first.sessionId)).toHaveLength(1);
    } finally {
      await p.stack.knex('tracks').where({ code: 'FSD' }).update({ priceCents: track.priceCents });
    }
  });

  it('refunds a second payment for a track already paid, alerts once, and keeps the enrollment', async () => {
    const student = await createTestUser(p.stack.knex);
    const first = await checkout(p, student);
    await pay(first.checkoutUrl);
    await waitForEnrollment(p, student.user.id);
    const track = await p.stack.knex('tracks').where({ code: 'DP' }).first();

    // A second Checkout Session for the same student and track (e.g. a second tab), paid too.
    const duplicate = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: track.currency, unit_amount: track.priceCents, product_data: { name: track.name } },
        },
      ],
      client_reference_id: student.user.id,
      metadata: { userId: student.user.id, track: 'DP' },
      payment_intent_data: { metadata: { userId: student.user.id, track: 'DP' } },
      success_url: 'http://localhost/ok',
    });
    await pay(duplicate.url!);
    const refunded = await waitFor('duplicate refunded', async () => {
      const row = await paymentOf(duplicate.id);
      return row?.status === 'REFUNDED' ? row : undefined;
    });
    expect(refundsOf(refunded.stripePaymentIntentId)).toHaveLength(1);
    expect(refunded.stripeRefundId).toBe(refundsOf(refunded.stripePaymentIntentId)[0]!.id);
    await p.standin.controls.idle(); // the refund's own charge.refunded event
    await settle();
    expect(await paymentOf(first.sessionId)).toMatchObject({ status: 'PAID' });
    expect(await enrollmentOf(p, student.user.id)).toMatchObject({ status: 'ENROLLED', paymentVerified: true });
    const handle = p.stack.client.workflow.getHandle(first.workflowId);
    expect(await handle.query(onboardingStatus)).toMatchObject({ phase: 'ENROLLED' });
    const alerts = slackAbout(duplicate.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('second payment');
    expect(await adminEmailsAbout(duplicate.id)).toHaveLength(1);
    expect(await emailsTo(p, student.user.id, 'welcome')).toHaveLength(1);
  });
});

describe('a revoked Slack webhook', () => {
  it('blocks no onboarding: the student is enrolled and welcomed, admins emailed, Slack tried once per alert', async () => {
    p.slack.answerAlways(404);
    try {
      const student = await createTestUser(p.stack.knex);
      const before = p.slack.requests();
      const { checkoutUrl, workflowId } = await checkout(p, student);
      await pay(checkoutUrl);
      await waitForEnrollment(p, student.user.id);
      await waitFor('welcome email', async () => {
        const rows = await emailsTo(p, student.user.id, 'welcome');
        return rows.length === 1 && rows[0].status === 'STORED' ? rows : undefined;
      });
      await waitFor('admin email', async () => ((await adminEmailsAbout(student.user.id)).length ? true : undefined));
      await settle();
      expect(p.slack.requests() - before).toBe(1); // the 'student enrolled' alert, refused once, never retried
      const post = await p.stack.knex('slackPosts').where('idempotencyKey', 'like', `${workflowId}:%`).first();
      expect(post).toMatchObject({ status: 'REJECTED', kind: 'student-enrolled', attempts: 1 });
    } finally {
      p.slack.answerAlways(undefined);
    }
  });
});
