import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingStatus } from '../../workflows/onboarding';
import { CohortKind, CohortTrack, CohortUserId } from '../../lib/temporal/search-attributes';
import {
  addTrainer,
  checkout,
  enrollmentOf,
  pay,
  startPaymentsStack,
  waitFor,
  waitForEnrollment,
  type PaymentsStack,
} from '../helpers/payments';
import { createTestUser } from '../helpers/users';

let p: PaymentsStack;
beforeAll(async () => {
  p = await startPaymentsStack();
  await addTrainer(p, ['DP'], 20);
  await addTrainer(p, ['DP'], 20);
  await addTrainer(p, ['DP'], 20);
});
afterAll(async () => {
  await p?.close();
});

const webhook = (body: string, headers: Record<string, string>) =>
  p.stack.http.request('POST', '/api/payments/webhook', body, { 'content-type': 'application/json', ...headers });

const eventPayload = (type: string, object: Record<string, unknown>) =>
  JSON.stringify({
    id: `evt_test_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object },
  });

const countEvents = async () => Number((await p.stack.knex('stripeEvents').count({ n: '*' }))[0]!.n);

describe('Stripe webhook: bad input', () => {
  it('rejects a missing, forged or stale signature and malformed JSON with 400, storing nothing', async () => {
    const before = await countEvents();
    const payload = eventPayload('checkout.session.completed', {
      id: 'cs_test_x',
      object: 'checkout.session',
      metadata: { userId: randomUUID(), track: 'DP' },
    });
    const forged = p.standin.controls.sign(payload).replace(/v1=[0-9a-f]+/, `v1=${'0'.repeat(64)}`);
    const stale = p.standin.controls.sign(payload, Math.floor(Date.now() / 1000) - 301);
    const cases: [string, Record<string, string>][] = [
      [payload, {}],
      [payload, { 'stripe-signature': forged }],
      [payload, { 'stripe-signature': 'garbage' }],
      [payload, { 'stripe-signature': stale }],
      [`${payload} `, { 'stripe-signature': p.standin.controls.sign(payload) }], // body altered after signing
      ['{"id": "evt_1", "type":', { 'stripe-signature': p.standin.controls.sign('{"id": "evt_1", "type":') }],
      ['', { 'stripe-signature': p.standin.controls.sign('') }],
    ];
    for (const [body, headers] of cases) {
      const res = await webhook(body, headers);
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
    }
    // Signed, but not an event Cohort can read (no id, no data object): refused, not a 500 Stripe would retry forever.
    for (const shapeless of [
      JSON.stringify({ object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_test_y' } } }),
      JSON.stringify({ id: 'evt_test_shapeless', object: 'event', type: 'charge.refunded' }),
      JSON.stringify({
        id: 'evt_test_shapeless2',
        object: 'event',
        type: 'checkout.session.completed',
        data: { object: 'cs_test_y' },
      }),
      JSON.stringify([1, 2, 3]),
    ]) {
      const res = await webhook(shapeless, { 'stripe-signature': p.standin.controls.sign(shapeless) });
      expect(res.status, shapeless).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    const huge = 'x'.repeat(300_000);
    const tooBig = await webhook(huge, { 'stripe-signature': p.standin.controls.sign(huge) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('payload_too_large');
    expect(await countEvents()).toBe(before);
  });

  it('answers an unknown event type with an ignored 200 and stores nothing', async () => {
    const before = await countEvents();
    const payload = eventPayload('customer.created', { id: 'cus_test_1', object: 'customer' });
    const res = await webhook(payload, { 'stripe-signature': p.standin.controls.sign(payload) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, ignored: true });
    expect(await countEvents()).toBe(before);
  });

  it('ignores validly signed checkout events whose metadata names no Cohort user', async () => {
    const enrollments = Number((await p.stack.knex('enrollments').count({ n: '*' }))[0]!.n);
    for (const metadata of [
      {},
      { userId: "1' OR '1'='1", track: 'DP' },
      { userId: randomUUID(), track: '../../FSD' },
      { userId: 'x'.repeat(5000), track: 'DP' },
    ]) {
      const payload = eventPayload('checkout.session.completed', {
        id: `cs_test_${randomUUID()}`,
        object: 'checkout.session',
        metadata,
      });
      const res = await webhook(payload, { 'stripe-signature': p.standin.controls.sign(payload) });
      expect(res.status).toBe(200);
      expect(res.body.received).toBe(true);
    }
    expect(Number((await p.stack.knex('enrollments').count({ n: '*' }))[0]!.n)).toBe(enrollments);
  });

  it('enrolls nobody for a validly signed event about a session Stripe does not know, and alerts admins', async () => {
    const student = await createTestUser(p.stack.knex);
    const event = p.standin.controls.sendEvent('checkout.session.completed', {
      id: 'cs_test_forged',
      object: 'checkout.session',
      payment_status: 'paid',
      status: 'complete',
      amount_total: 1,
      currency: 'eur',
      client_reference_id: student.user.id,
      metadata: { userId: student.user.id, track: 'DP' },
    });
    await p.standin.controls.idle();
    expect(p.standin.controls.deliveries.find((d) => d.eventId === event.id)?.status).toBe(200);
    await waitFor('admin alert', async () =>
      p.slack.messages.some((m) => m.includes('does not know') && m.includes('cs_test_forged')) ? true : undefined,
    );
    const handle = p.stack.client.workflow.getHandle(`onboarding:${student.user.id}:DP`);
    expect(await handle.result()).toMatchObject({ phase: 'REJECTED' });
    const { typedSearchAttributes } = await handle.describe(); // started by the webhook's signal-with-start
    expect([
      typedSearchAttributes.get(CohortKind),
      typedSearchAttributes.get(CohortUserId),
      typedSearchAttributes.get(CohortTrack),
    ]).toEqual(['onboarding', student.user.id, 'DP']);
    expect(await enrollmentOf(p, student.user.id)).toBeUndefined();
    const adminEmails = await p.stack
      .knex('email_messages')
      .where({ template: 'admin-alert', toAddress: 'ops@cohort.test' });
    expect(adminEmails.some((e) => e.textBody.includes('cs_test_forged'))).toBe(true);
    expect(await p.stack.knex('payments').where({ userId: student.user.id })).toHaveLength(0);
  });
});

describe('Stripe webhook: delivery quirks', () => {
  it('turns each event delivered three times in random order, for 50 users, into exactly one payment and enrollment each', async () => {
    const students = await Promise.all(Array.from({ length: 50 }, () => createTestUser(p.stack.knex)));
    const sessions = [];
    for (let i = 0; i < students.length; i += 10)
      sessions.push(...(await Promise.all(students.slice(i, i + 10).map((s) => checkout(p, s)))));
    Object.assign(p.standin.controls.delivery, { hold: true, copies: 3 });
    try {
      for (const s of sessions) await pay(s.checkoutUrl);
      expect(p.standin.controls.heldCount()).toBe(150);
      await p.standin.controls.release();
    } finally {
      Object.assign(p.standin.controls.delivery, { hold: false, copies: 1 });
    }
    const ids = students.map((s) => s.user.id);
    await waitFor(
      '50 enrollments',
      async () => {
        const n = Number(
          (await p.stack.knex('enrollments').whereIn('userId', ids).where({ status: 'ENROLLED' }).count({ n: '*' }))[0]!
            .n,
        );
        return n === 50 ? n : undefined;
      },
      90_000,
    );
    const perUser = await p.stack
      .knex('payments')
      .whereIn('userId', ids)
      .groupBy('userId')
      .select('userId')
      .count({ n: '*' });
    expect(perUser).toHaveLength(50);
    expect(perUser.every((row) => Number(row.n) === 1)).toBe(true);
    expect(await p.stack.knex('enrollments').whereIn('userId', ids)).toHaveLength(50);
    const enrolledAlerts = () =>
      p.slack.messages.filter((m) => m.includes('A student enrolled') && ids.some((id) => m.includes(id)));
    await waitFor('50 enrolled alerts', async () => (enrolledAlerts().length >= 50 ? true : undefined));
    await p.standin.controls.idle();
    expect(enrolledAlerts()).toHaveLength(50);
    const welcomesPerUser = () =>
      p.stack
        .knex('email_messages')
        .whereIn('userId', ids)
        .where({ template: 'welcome' })
        .groupBy('userId')
        .select('userId')
        .count({ n: '*' });
    // The welcome is its own step after the alert: on a busy machine the last ones land a moment later.
    const welcomes = await waitFor('50 welcomes', async () => {
      const rows = await welcomesPerUser();
      return rows.length >= 50 ? rows : undefined;
    });
    expect(welcomes).toHaveLength(50);
    expect(welcomes.every((row) => Number(row.n) === 1)).toBe(true);
    const sessionEvents = await p.stack.knex('stripeEvents').whereIn(
      'objectId',
      sessions.map((s) => s.sessionId),
    );
    expect(sessionEvents).toHaveLength(50);
  });

  it('suspends on a refund made at Stripe, even when it arrives before the payment it refunds', async () => {
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, sessionId, workflowId } = await checkout(p, student);
    p.standin.controls.delivery.hold = true;
    try {
      await pay(checkoutUrl);
      p.standin.controls.chargeRefunded(sessionId);
      await p.standin.controls.release();
    } finally {
      p.standin.controls.delivery.hold = false;
    }
    await waitForEnrollment(p, student.user.id, 'SUSPENDED');
    const payment = await p.stack.knex('payments').where({ stripeCheckoutSessionId: sessionId }).first();
    expect(payment).toMatchObject({ status: 'REFUNDED' });
    expect(await p.stack.client.workflow.getHandle(workflowId).query(onboardingStatus)).toMatchObject({
      phase: 'SUSPENDED',
    });
  });

  it('suspends on a dispute, and a late duplicate of the payment changes nothing', async () => {
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, sessionId } = await checkout(p, student);
    p.standin.controls.delivery.delayMs = 300; // late events
    try {
      await pay(checkoutUrl);
      await waitForEnrollment(p, student.user.id);
      p.standin.controls.disputeCreated(sessionId);
      await waitForEnrollment(p, student.user.id, 'SUSPENDED');
    } finally {
      p.standin.controls.delivery.delayMs = 0;
    }
    expect(await p.stack.knex('payments').where({ stripeCheckoutSessionId: sessionId }).first()).toMatchObject({
      status: 'DISPUTED',
    });
    const completed = p.standin.controls.sendEvent(
      'checkout.session.completed',
      p.standin.controls.session(sessionId)!,
    );
    await p.standin.controls.idle();
    expect(p.standin.controls.deliveries.find((d) => d.eventId === completed.id)?.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await enrollmentOf(p, student.user.id)).status).toBe('SUSPENDED');
    expect(await p.stack.knex('payments').where({ userId: student.user.id })).toHaveLength(1);
  });
});
