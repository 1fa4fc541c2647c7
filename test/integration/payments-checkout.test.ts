import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { onboardingStatus } from '../../workflows/onboarding';
import { CohortKind, CohortTrack, CohortUserId } from '../../lib/temporal/search-attributes';
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

let p: PaymentsStack;
beforeAll(async () => {
  p = await startPaymentsStack();
  await addTrainer(p, ['DP', 'FSD']);
});
afterAll(async () => {
  await p?.close();
});

describe('checkout → payment → enrollment', () => {
  it('pays through checkout and becomes ENROLLED with a trainer, project 1 unlocked and admins told', async () => {
    const student = await createTestUser(p.stack.knex);
    const first = await checkout(p, student);
    expect(first.workflowId).toBe(`onboarding:${student.user.id}:DP`);
    expect(first.checkoutUrl.startsWith(p.standin.url)).toBe(true);
    expect((await enrollmentOf(p, student.user.id)).status).toBe('PENDING_PAYMENT');

    // A repeated request lands on the same workflow and the same session.
    const again = await checkout(p, student, 'dp');
    expect(again).toEqual(first);
    expect(p.standin.controls.sessions().filter((s) => s.client_reference_id === student.user.id)).toHaveLength(1);

    const session = p.standin.controls.session(first.sessionId)!;
    expect(session.amount_total).toBe((await p.stack.knex('tracks').where({ code: 'DP' }).first()).priceCents);
    expect(session.metadata).toEqual({ userId: student.user.id, track: 'DP' });

    await pay(first.checkoutUrl);
    const enrollment = await waitForEnrollment(p, student.user.id);
    expect(enrollment.paymentVerified).toBe(true);
    expect(enrollment.enrolledAt).toBeInstanceOf(Date);
    await waitFor('trainer', async () => ((await enrollmentOf(p, student.user.id)).trainerId ? true : undefined));

    const payments = await p.stack.knex('payments').where({ userId: student.user.id });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      stripeCheckoutSessionId: first.sessionId,
      status: 'PAID',
      enrollmentId: enrollment.id,
    });
    expect(payments[0].stripePaymentIntentId).toMatch(/^pi_/);

    const progress = await waitFor('project 1 unlocked', async () => {
      const rows = await p.stack
        .knex('studentProgress')
        .join('projects', 'projects.id', 'studentProgress.projectId')
        .where({ userId: student.user.id })
        .select('projects.position', 'studentProgress.status');
      return rows.length ? rows : undefined;
    });
    expect(progress).toEqual([{ position: 1, status: 'UNLOCKED' }]);
    const [welcome] = await waitFor('welcome email', async () => {
      const rows = await emailsTo(p, student.user.id, 'welcome');
      return rows.length ? rows : undefined;
    });
    expect(welcome.toAddress).toBe(student.user.email);
    expect(welcome.textBody).toContain('/login');
    await waitFor('enrolled alert', async () =>
      p.slack.messages.some((m) => m.includes('A student enrolled') && m.includes(student.user.id)) ? true : undefined,
    );

    const res = await p.stack.http.as(student.token).get('/api/enrollment');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ track: 'DP', status: 'ENROLLED', paymentVerified: true, graduationDate: null });
    expect(res.body.trainer).toMatchObject({ fullName: 'Test User' });

    const status = await p.stack.client.workflow.getHandle(first.workflowId).query(onboardingStatus);
    expect(status).toMatchObject({ phase: 'ENROLLED', sessionId: first.sessionId, enrollmentId: enrollment.id });
    // Ops filter on these in the Temporal UI.
    const { typedSearchAttributes } = await p.stack.client.workflow.getHandle(first.workflowId).describe();
    expect([
      typedSearchAttributes.get(CohortKind),
      typedSearchAttributes.get(CohortUserId),
      typedSearchAttributes.get(CohortTrack),
    ]).toEqual(['onboarding', student.user.id, 'DP']);
    // The history carries ids only.
    expect(await p.stack.historyText(first.workflowId)).not.toContain(student.user.email);
    // The recorded history (encrypted, as Temporal stores it) replays deterministically against the current bundle.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: p.stack.dataConverter },
      await p.stack.client.workflow.getHandle(first.workflowId).fetchHistory(),
      first.workflowId,
    );

    // Checkout again once enrolled: refused, nothing new at Stripe.
    const late = await p.stack.http.as(student.token).post('/api/payments/checkout', { track: 'DP' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('conflict');
  });

  it('retries while Stripe answers 500, then completes', async () => {
    const student = await createTestUser(p.stack.knex);
    p.standin.controls.failNextApiCalls(3);
    const { checkoutUrl } = await checkout(p, student);
    p.standin.controls.failNextApiCalls(2); // the verification retrieve fails too
    await pay(checkoutUrl);
    await waitForEnrollment(p, student.user.id);
    expect(await p.stack.knex('payments').where({ userId: student.user.id })).toHaveLength(1);
  });

  it('settles a delayed payment method only when async_payment_succeeded arrives', async () => {
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, sessionId } = await checkout(p, student, 'FSD');
    await pay(checkoutUrl, { async: true });
    await p.standin.controls.idle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await enrollmentOf(p, student.user.id, 'FSD')).status).toBe('PENDING_PAYMENT');
    p.standin.controls.asyncPaymentSucceeded(sessionId);
    await waitForEnrollment(p, student.user.id, 'ENROLLED', 'FSD');
  });

  it('answers GET /api/enrollment with 404 when there is none, and refuses other roles and bad bodies', async () => {
    const student = await createTestUser(p.stack.knex);
    const none = await p.stack.http.as(student.token).get('/api/enrollment');
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('not_found');
    expect((await p.stack.http.get('/api/enrollment')).status).toBe(401);

    const trainer = await createTestUser(p.stack.knex, { role: 'trainer' });
    expect((await p.stack.http.as(trainer.token).post('/api/payments/checkout', { track: 'DP' })).status).toBe(403);
    const http = p.stack.http.as(student.token);
    for (const body of [
      {},
      { track: 'XX' },
      { track: 42 },
      { track: 'DP', extra: 1 },
      { track: 'x'.repeat(100_000) },
      { track: "DP'; DROP TABLE payments;--" },
    ]) {
      const res = await http.post('/api/payments/checkout', body);
      expect([400, 413]).toContain(res.status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const malformed = await http.request('POST', '/api/payments/checkout', '{"track":', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');
    expect(await p.stack.knex('enrollments').where({ userId: student.user.id })).toHaveLength(0);
  });
});
