import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { createStripeClient } from '../../lib/adapters/stripe';
import { startStripeStandin, type StripeStandin } from './index';

let standin: StripeStandin;
let stripe: Stripe;
beforeAll(async () => {
  standin = await startStripeStandin({ webhookUrl: 'http://127.0.0.1:9/none', webhookSecret: 'whsec_test' });
  stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: standin.url })!;
});
afterAll(async () => {
  await standin?.close();
});

const params: Stripe.Checkout.SessionCreateParams = {
  mode: 'payment',
  client_reference_id: 'u1',
  metadata: { userId: 'u1', track: 'DP' },
  success_url: 'http://app/ok?s={CHECKOUT_SESSION_ID}',
  line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 4900, product_data: { name: 'DP' } } }],
};

describe('Stripe stand-in through the real stripe client', () => {
  it('creates checkout sessions from form-encoded line items and honours Idempotency-Key', async () => {
    const a = await stripe.checkout.sessions.create(params, { idempotencyKey: 'k1' });
    const b = await stripe.checkout.sessions.create(params, { idempotencyKey: 'k1' });
    const c = await stripe.checkout.sessions.create(params, { idempotencyKey: 'k2' });
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(a).toMatchObject({
      amount_total: 4900,
      currency: 'eur',
      payment_status: 'unpaid',
      status: 'open',
      metadata: { userId: 'u1', track: 'DP' },
    });
    expect(a.url).toBe(`${standin.url}/pay/${a.id}`);
    expect((await stripe.checkout.sessions.retrieve(a.id)).id).toBe(a.id);
  });

  it('answers an unknown object with a Stripe 404 the client understands', async () => {
    await expect(stripe.checkout.sessions.retrieve('cs_test_nope')).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });

  it('pays, lists and retrieves events, and refunds once by payment intent or charge', async () => {
    const session = await stripe.checkout.sessions.create(params);
    const paid = await fetch(session.url!, { method: 'POST' });
    expect(await paid.json()).toMatchObject({ paid: true, sessionId: session.id });
    const retrieved = await stripe.checkout.sessions.retrieve(session.id);
    expect(retrieved.payment_status).toBe('paid');
    const events = await stripe.events.list({ limit: 5 });
    const completed = events.data.find(
      (e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === session.id,
    )!;
    expect((await stripe.events.retrieve(completed.id)).id).toBe(completed.id);

    const refund = await stripe.refunds.create(
      { payment_intent: retrieved.payment_intent as string },
      { idempotencyKey: 'r1' },
    );
    expect(refund).toMatchObject({ amount: 4900, status: 'succeeded' });
    expect(
      (await stripe.refunds.create({ payment_intent: retrieved.payment_intent as string }, { idempotencyKey: 'r1' }))
        .id,
    ).toBe(refund.id);
    await expect(stripe.refunds.create({ charge: refund.charge as string })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });
  });

  it('answers 500 for the next N calls when told to', async () => {
    standin.controls.failNextApiCalls(2);
    await expect(stripe.checkout.sessions.create(params)).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await expect(stripe.checkout.sessions.create(params)).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await expect(stripe.checkout.sessions.create(params)).resolves.toMatchObject({ object: 'checkout.session' });
  });

  it('signs webhook payloads so that stripe.webhooks.constructEvent accepts them', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'charge.refunded', data: { object: {} } });
    const event = Stripe.webhooks.constructEvent(payload, standin.controls.sign(payload), 'whsec_test', 300);
    expect(event.id).toBe('evt_1');
  });

  it('takes expires_at only 30 minutes to 24 hours ahead, and expires an open session (once)', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const expires_at of [now + 29 * 60, now + 25 * 3600])
      await expect(stripe.checkout.sessions.create({ ...params, expires_at })).rejects.toBeInstanceOf(
        Stripe.errors.StripeInvalidRequestError,
      );
    const session = await stripe.checkout.sessions.create({ ...params, expires_at: now + 3600 });
    expect(session.expires_at).toBe(now + 3600);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    expect(standin.controls.sessions().find((s) => s.id === session.id)).toMatchObject({ status: 'expired' });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect((await fetch(session.url!, { method: 'POST' })).status).toBe(400);

    const paid = await stripe.checkout.sessions.create(params);
    await fetch(paid.url!, { method: 'POST' });
    await expect(stripe.checkout.sessions.expire(paid.id)).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect((await stripe.checkout.sessions.retrieve(paid.id)).status).toBe('complete');
  });

  it('reports, backdated, the refund of a charge no Checkout Session made (the demo asks over HTTP)', async () => {
    const res = await fetch(`${standin.url}/_standin/foreign-charge-refund?age_seconds=7200`, { method: 'POST' });
    const body = (await res.json()) as { eventId: string; paymentIntent: string; created: number };
    expect(res.status).toBe(200);
    const event = await stripe.events.retrieve(body.eventId);
    expect(event).toMatchObject({ type: 'charge.refunded', created: body.created });
    expect(body.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 7200);
    expect(event.data.object).toMatchObject({ payment_intent: body.paymentIntent, refunded: true, metadata: {} });
    expect(
      (await fetch(`${standin.url}/_standin/foreign-charge-refund?age_seconds=-1`, { method: 'POST' })).status,
    ).toBe(400);
  });
});
