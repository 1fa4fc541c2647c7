import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkout, enrollmentOf, pay, startPaymentsStack, waitForEnrollment, type PaymentsStack } from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

let p: PaymentsStack;
let unconfigured: TestStack;
beforeAll(async () => {
  [p, unconfigured] = await Promise.all([startPaymentsStack({ env: { CHECKOUT_EXPIRY: '2s' } }), startStack({ worker: false })]);
});
afterAll(async () => { await Promise.all([p?.close(), unconfigured?.close()]); });

describe('checkout expiry and configuration', () => {
  it('closes an unpaid checkout after CHECKOUT_EXPIRY, and a late payment still enrolls (a new run resumes)', async () => {
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, workflowId } = await checkout(p, student);
    const first = await p.stack.client.workflow.getHandle(workflowId).result();
    expect(first.phase).toBe('EXPIRED');
    expect((await enrollmentOf(p, student.user.id)).status).toBe('EXPIRED');

    // Stripe took the money just before the session closed: the webhook starts a new run.
    await pay(checkoutUrl);
    const row = await waitForEnrollment(p, student.user.id);
    expect(row.paymentVerified).toBe(true);
    expect(await p.stack.knex('payments').where({ userId: student.user.id })).toHaveLength(1);
  });

  it('opens a fresh session when the student checks out again after expiry', async () => {
    const student = await createTestUser(p.stack.knex);
    const first = await checkout(p, student, 'FSD');
    await p.stack.client.workflow.getHandle(first.workflowId).result();
    const second = await checkout(p, student, 'FSD');
    expect(second.workflowId).toBe(first.workflowId);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect((await enrollmentOf(p, student.user.id, 'FSD')).status).toBe('PENDING_PAYMENT');
  });

  it('answers 503 payments_not_configured with no Stripe key or webhook secret, writing nothing', async () => {
    const student = await createTestUser(unconfigured.knex);
    const res = await unconfigured.http.as(student.token).post('/api/payments/checkout', { track: 'DP' });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('payments_not_configured');
    const hook = await unconfigured.http.request('POST', '/api/payments/webhook', '{}', { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' });
    expect(hook.status).toBe(503);
    expect(hook.body.code).toBe('payments_not_configured');
    expect(await unconfigured.knex('enrollments')).toHaveLength(0);
    expect(await unconfigured.knex('stripeEvents')).toHaveLength(0);
  });
});
