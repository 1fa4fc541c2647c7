import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTrainer,
  checkout,
  enrollmentOf,
  pay,
  waitFor,
  startOnboardingExpiringIn,
  startPaymentsStack,
  waitForEnrollment,
  type PaymentsStack,
} from '../helpers/payments';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';
import { onboardingStatus, trainerCapacityChanged } from '../../workflows/onboarding';

let p: PaymentsStack;
let unconfigured: TestStack;
beforeAll(async () => {
  [p, unconfigured] = await Promise.all([startPaymentsStack(), startStack({ worker: false })]);
});
afterAll(async () => {
  await Promise.all([p?.close(), unconfigured?.close()]);
});

describe('checkout expiry and configuration', () => {
  it('gives each Checkout Session expires_at from CHECKOUT_EXPIRY (24h by default, inside Stripe bounds)', async () => {
    const student = await createTestUser(p.stack.knex);
    const before = Math.floor(Date.now() / 1000);
    const { sessionId } = await checkout(p, student, 'FSD');
    const expiresAt = Number(p.standin.controls.session(sessionId)!.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * 3600 - 60);
    expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 24 * 3600);
  });

  it('expires the session at Stripe when the saga gives up waiting: nobody can pay it after', async () => {
    const student = await createTestUser(p.stack.knex);
    const handle = await startOnboardingExpiringIn(p, student.user.id, 3_000);
    const { checkoutUrl, sessionId, workflowId } = await checkout(p, student);
    expect(workflowId).toBe(handle.workflowId);
    expect((await handle.result()).phase).toBe('EXPIRED');
    expect((await enrollmentOf(p, student.user.id)).status).toBe('EXPIRED');
    expect(p.standin.controls.session(sessionId)).toMatchObject({ status: 'expired' });
    const late = await fetch(checkoutUrl, { method: 'POST' });
    expect(late.status).toBe(400);
    expect(await p.stack.knex('payments').where({ userId: student.user.id })).toHaveLength(0);
  });

  it('enrolls a payment completed just before the saga gave up, though its event arrives after', async () => {
    const student = await createTestUser(p.stack.knex);
    const handle = await startOnboardingExpiringIn(p, student.user.id, 3_000);
    const { checkoutUrl, sessionId } = await checkout(p, student);
    p.standin.controls.delivery.hold = true; // the checkout.session.completed event is late
    try {
      await pay(checkoutUrl);
      // Expiring at Stripe fails (the session is complete): the saga verifies it and enrolls.
      const row = await waitForEnrollment(p, student.user.id);
      expect(row.paymentVerified).toBe(true);
      await p.standin.controls.release();
    } finally {
      p.standin.controls.delivery.hold = false;
    }
    expect(p.standin.controls.session(sessionId)).toMatchObject({ status: 'complete', payment_status: 'paid' });
    await p.standin.controls.idle();
    expect(await handle.query(onboardingStatus)).toMatchObject({ phase: 'ENROLLED', sessionId });
    expect(await p.stack.knex('payments').where({ userId: student.user.id })).toHaveLength(1);
  });

  it('opens a fresh session when the student checks out again after expiry', async () => {
    const student = await createTestUser(p.stack.knex);
    await startOnboardingExpiringIn(p, student.user.id, 3_000, 'FSD');
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
    const hook = await unconfigured.http.request('POST', '/api/payments/webhook', '{}', {
      'content-type': 'application/json',
      'stripe-signature': 't=1,v1=00',
    });
    expect(hook.status).toBe(503);
    expect(hook.body.code).toBe('payments_not_configured');
    expect(await unconfigured.knex('enrollments')).toHaveLength(0);
    expect(await unconfigured.knex('stripeEvents')).toHaveLength(0);
  });
});

describe('admin reinstate and trainer capacity', () => {
  it('never overfills a trainer on reinstate: the seat is lost, and the saga reassigns when room appears', async () => {
    const admin = await createTestUser(p.stack.knex, { role: 'admin' });
    // Students of the tests above still wait for a DP trainer, and a suspension now offers them the freed seat
    // at once: give them a trainer (then retired) so only this test's students compete for the small one.
    const earlier = await addTrainer(p, ['DP'], 20);
    await p.stack
      .knex('enrollments')
      .where({ trackCode: 'DP' })
      .whereNull('trainerId')
      .update({ trainerId: earlier.id });
    await p.stack.knex('trainers').where({ id: earlier.id }).update({ active: false });
    const small = await addTrainer(p, ['DP'], 1);
    const [first, second] = [await createTestUser(p.stack.knex), await createTestUser(p.stack.knex)];
    await pay((await checkout(p, first)).checkoutUrl);
    const enrolled = await waitFor('first has the trainer', async () => {
      const e = await enrollmentOf(p, first.user.id);
      return e?.trainerId === small.id ? e : undefined;
    });

    const http = p.stack.http.as(admin.token);
    expect(
      (await http.post(`/api/admin/enrollments/${enrolled.id}/suspend`, { reason: 'dispute under review' })).status,
    ).toBe(200);
    await pay((await checkout(p, second)).checkoutUrl);
    await waitFor('second takes the free seat', async () =>
      (await enrollmentOf(p, second.user.id))?.trainerId === small.id ? true : undefined,
    );

    const reinstated = await http.post(`/api/admin/enrollments/${enrolled.id}/reinstate`, { reason: 'dispute won' });
    expect(reinstated.status).toBe(200);
    expect(reinstated.body).toMatchObject({ status: 'ENROLLED', trainer: null });
    expect(await p.stack.knex('enrollments').where({ trainerId: small.id, status: 'ENROLLED' })).toHaveLength(1);

    const handle = p.stack.client.workflow.getHandle(`onboarding:${first.user.id}:DP`);
    await waitFor('saga knows', async () =>
      (await handle.query(onboardingStatus)).trainerId === null ? true : undefined,
    );
    const other = await addTrainer(p, ['DP'], 5);
    await handle.signal(trainerCapacityChanged);
    await waitFor('reassigned', async () =>
      (await enrollmentOf(p, first.user.id)).trainerId === other.id ? true : undefined,
    );
  });
});
