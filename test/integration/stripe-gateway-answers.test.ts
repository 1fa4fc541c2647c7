import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPaymentActivities } from '../../activities/payments';
import { StripeUnexpectedAnswer } from '../../lib/adapters/stripe';
import { loadConfig } from '../../lib/config';
import { paymentsRepo } from '../../lib/db/repositories/payments';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/*
 * What an API gateway in front of Stripe may answer while Stripe is down: JSON with no
 * `error` field, which stripe-node resolves as if it were the object asked for. The real
 * `stripe` client talks to a loopback server that answers whatever `answer` holds.
 */
let db: TestDatabase;
let server: Server;
let answer: { status: number; body: unknown };
let activities: ReturnType<typeof createPaymentActivities>;
const GATEWAY_DOWN = { status: 503, body: { message: 'Service Unavailable' } };

beforeAll(async () => {
  db = await createTestDatabase();
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stripe = new Stripe('sk_test_gateway', {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  const config = loadConfig({ DATABASE_URL: db.url, COHORT_ENCRYPTION_KEY: 'ab'.repeat(32) });
  activities = createPaymentActivities({ knex: db.knex, stripe, config });
});
afterAll(async () => {
  server?.close();
  await db?.drop();
});
beforeEach(() => {
  answer = GATEWAY_DOWN;
});

/** The failure an activity threw is retried by Temporal (no non-retryable ApplicationFailure). */
async function expectRetried(call: Promise<unknown>): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StripeUnexpectedAnswer);
  expect(error instanceof ApplicationFailure && error.nonRetryable).toBe(false);
}

describe("a gateway's JSON answer in place of Stripe's", () => {
  it('verifying a checkout session fails and is retried, never read as a mismatch', async () => {
    await expectRetried(activities.verifyCheckoutSession({ userId: 'u-1', track: 'DP', sessionId: 'cs_gateway' }));
  });

  it('a refund fails and is retried; the payment stays unrefunded until Stripe itself answers', async () => {
    const payment = await paymentsRepo.record(db.knex, {
      userId: null,
      enrollmentId: null,
      trackCode: 'DP',
      stripeCheckoutSessionId: 'cs_refund_gateway',
      stripePaymentIntentId: 'pi_refund_gateway',
      amountCents: 490_000,
      currency: 'eur',
    });
    const refund = { paymentId: payment.id, idempotencyKey: 'refund-gateway-1', reason: 'test' };
    await expectRetried(activities.refundPayment(refund));
    expect((await paymentsRepo.byId(db.knex, payment.id))?.status).not.toBe('REFUNDED');

    answer = { status: 200, body: { id: 're_gateway_1', object: 'refund', status: 'succeeded' } };
    expect(await activities.refundPayment(refund)).toEqual({ refundId: 're_gateway_1' });
    const refunded = await paymentsRepo.byId(db.knex, payment.id);
    expect(refunded?.status).toBe('REFUNDED');
    expect(refunded?.stripeRefundId).toBe('re_gateway_1');
  });
});
