import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingStatus, trainerCapacityChanged } from '../../workflows/onboarding';
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
import { linkToken, readOutboxMessage } from '../helpers/outbox';

let p: PaymentsStack;
beforeAll(async () => {
  p = await startPaymentsStack({ env: { TRAINER_ASSIGNMENT_RETRY: '1s' } });
});
afterAll(async () => {
  await p?.close();
});

const count = async (query: Promise<unknown[]>) => (await query).length;

describe('onboarding saga', () => {
  it('gives 50 concurrent students to two trainers of 20 without overfilling, alerts for the rest, and assigns them when room appears', async () => {
    const [a, b] = [await addTrainer(p, ['FSD'], 20), await addTrainer(p, ['FSD'], 20)];
    const students = await Promise.all(Array.from({ length: 50 }, () => createTestUser(p.stack.knex)));
    const ids = students.map((s) => s.user.id);
    const sessions = [];
    for (let i = 0; i < 50; i += 10)
      sessions.push(...(await Promise.all(students.slice(i, i + 10).map((s) => checkout(p, s, 'FSD')))));
    await Promise.all(sessions.map((s) => pay(s.checkoutUrl)));
    await waitFor(
      '50 enrolled, 40 with a trainer',
      async () => {
        const rows = await p.stack.knex('enrollments').whereIn('userId', ids).where({ status: 'ENROLLED' });
        return rows.length === 50 && rows.filter((r) => r.trainerId).length === 40 ? rows : undefined;
      },
      90_000,
    );
    await waitFor('10 capacity alerts', async () =>
      p.slack.messages.filter((m) => m.includes('every trainer of the track is full')).length >= 10 ? true : undefined,
    );
    expect(await count(p.stack.knex('enrollments').where({ trainerId: a.id }))).toBe(20);
    expect(await count(p.stack.knex('enrollments').where({ trainerId: b.id }))).toBe(20);
    expect(p.slack.messages.filter((m) => m.includes('every trainer of the track is full'))).toHaveLength(10);

    // A third trainer joins: the waiting sagas assign on their retry timer (or at once, when nudged).
    const c = await addTrainer(p, ['FSD'], 20);
    const waiting = await p.stack.knex('enrollments').whereIn('userId', ids).whereNull('trainerId');
    await Promise.all(
      waiting
        .slice(0, 5)
        .map((e) => p.stack.client.workflow.getHandle(`onboarding:${e.userId}:FSD`).signal(trainerCapacityChanged)),
    );
    await waitFor(
      'all assigned',
      async () => {
        const n = await count(p.stack.knex('enrollments').where({ trainerId: c.id }));
        return n === 10 ? n : undefined;
      },
      60_000,
    );
    for (const trainer of [a, b])
      expect(await count(p.stack.knex('enrollments').where({ trainerId: trainer.id }))).toBe(20);
  });

  it('completes every saga exactly once when the worker is killed mid-saga and restarted', async () => {
    await addTrainer(p, ['DP'], 20);
    const students = await Promise.all(Array.from({ length: 10 }, () => createTestUser(p.stack.knex)));
    const sessions = await Promise.all(students.map((s) => checkout(p, s)));
    await Promise.all(sessions.map((s) => pay(s.checkoutUrl)));
    await p.stack.stopWorker();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await p.stack.startWorker();
    const ids = students.map((s) => s.user.id);
    await waitFor(
      '10 enrolled alerts',
      async () =>
        p.slack.messages.filter((m) => m.includes('A student enrolled') && ids.some((id) => m.includes(id))).length >=
        10
          ? true
          : undefined,
      60_000,
    );
    for (const id of ids) {
      expect(await enrollmentOf(p, id)).toMatchObject({ status: 'ENROLLED', paymentVerified: true });
      expect(await count(p.stack.knex('payments').where({ userId: id }))).toBe(1);
      expect(await count(p.stack.knex('studentProgress').where({ userId: id }))).toBe(1);
      expect(p.slack.messages.filter((m) => m.includes('A student enrolled') && m.includes(id))).toHaveLength(1);
    }
  });

  it('refunds through Stripe when the user was erased after paying (compensation)', async () => {
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, sessionId, workflowId } = await checkout(p, student);
    await p.stack
      .knex('users')
      .where({ id: student.user.id })
      .update({
        anonymized: true,
        anonymizedAt: new Date(),
        email: `erased-${student.user.id}@invalid`,
        fullName: 'Erased',
      });
    await pay(checkoutUrl);
    const result = await p.stack.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ phase: 'REFUNDED' });
    const payment = await p.stack.knex('payments').where({ stripeCheckoutSessionId: sessionId }).first();
    expect(payment).toMatchObject({ status: 'REFUNDED' });
    expect(payment.stripeRefundId).toMatch(/^re_/);
    const refunds = p.standin.controls.refunds().filter((r) => r.payment_intent === payment.stripePaymentIntentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBe(payment.amountCents);
    expect((await enrollmentOf(p, student.user.id)).status).toBe('SUSPENDED');
    expect(
      p.slack.messages.some(
        (m) => m.includes('refunded') && m.includes(student.user.id) && m.includes('UserUnavailable'),
      ),
    ).toBe(true);
    expect(await emailsTo(p, student.user.id, 'welcome')).toHaveLength(0);
  });

  it('refunds and tells the student when the track closed between checkout and payment', async () => {
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, workflowId, sessionId } = await checkout(p, student, 'FSD');
    await p.stack.knex('tracks').where({ code: 'FSD' }).update({ active: false });
    try {
      await pay(checkoutUrl);
      expect(await p.stack.client.workflow.getHandle(workflowId).result()).toMatchObject({ phase: 'REFUNDED' });
    } finally {
      await p.stack.knex('tracks').where({ code: 'FSD' }).update({ active: true });
    }
    expect(await p.stack.knex('payments').where({ stripeCheckoutSessionId: sessionId }).first()).toMatchObject({
      status: 'REFUNDED',
    });
    const [email] = await emailsTo(p, student.user.id, 'enrollment-refunded');
    expect(email).toMatchObject({ toAddress: student.user.email });
    expect(email.subject).toContain('Full Stack');
    const adminEmails = await p.stack.knex('email_messages').where({ template: 'admin-alert' });
    expect(adminEmails.some((e) => e.textBody.includes(student.user.id) && e.textBody.includes('TrackClosed'))).toBe(
      true,
    );
  });
});

describe('admin enrollment, suspend and reinstate', () => {
  it('enrolls a scholarship student without payment, keeping the notes off the workflow', async () => {
    const admin = await createTestUser(p.stack.knex, { role: 'admin' });
    const student = await createTestUser(p.stack.knex);
    await p.stack.knex('users').where({ id: student.user.id }).update({ mustSetPassword: true }); // created by an admin
    const notes = 'Scholarship 2026, contact: Jane Roe';
    const res = await p.stack.http
      .as(admin.token)
      .post('/api/admin/enroll-student', { userId: student.user.id, track: 'DP', bypassPayment: true, notes });
    expect(res.status).toBe(202);
    expect(res.body.workflowId).toBe(`onboarding:${student.user.id}:DP`);
    const row = await waitForEnrollment(p, student.user.id);
    expect(row).toMatchObject({ bypassPayment: true, paymentVerified: false, notes });
    const history = await p.stack.historyText(res.body.workflowId);
    expect(history).not.toContain('Jane Roe');
    const handle = p.stack.client.workflow.getHandle(res.body.workflowId);
    const { typedSearchAttributes } = await handle.describe();
    expect([
      typedSearchAttributes.get(CohortKind),
      typedSearchAttributes.get(CohortUserId),
      typedSearchAttributes.get(CohortTrack),
    ]).toEqual(['onboarding', student.user.id, 'DP']);
    expect(await handle.query(onboardingStatus)).toMatchObject({ bypassPayment: true, enrollmentId: row.id });
    const audit = await p.stack
      .knex('auditLogs')
      .where({ action: 'enrollment.admin_enroll', userId: student.user.id })
      .first();
    expect(audit).toMatchObject({ actorId: admin.user.id, resource: `enrollment:${row.id}` });
    expect(audit.details).toMatchObject({ track: 'DP', paymentWaived: true, noteAttached: true });
    expect(JSON.stringify(audit.details)).not.toContain('Jane');
    const [welcome] = await waitFor('welcome', async () => {
      const rows = await emailsTo(p, student.user.id, 'welcome');
      return rows.length ? rows : undefined;
    });
    // The stored message holds a placeholder; the link, with a single-use token minted at delivery
    // (never in the workflow history), is in the delivered message only: the outbox's .eml file.
    expect(welcome.textBody).toContain('[link removed: sent to the recipient only]');
    // The row is written before delivery: wait for the delivered file.
    const delivered = await waitFor('the delivered welcome', async () => {
      try {
        return readOutboxMessage(p.stack.config.DATA_DIR, welcome.idempotencyKey);
      } catch {
        return undefined;
      }
    });
    const token = linkToken(delivered.text, 'set-password');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(welcome.textBody).not.toContain(token);
    expect(await p.stack.historyText(res.body.workflowId)).not.toContain(token);
    expect(
      (await p.stack.http.post('/api/auth/set-password', { token, password: 'scholarship-Passw0rd-1' })).status,
    ).toBe(200);

    // Repeating the request lands on the same workflow.
    const again = await p.stack.http
      .as(admin.token)
      .post('/api/admin/enroll-student', { userId: student.user.id, track: 'DP', bypassPayment: true });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ workflowId: res.body.workflowId, status: 'ENROLLED' });
    expect(await count(p.stack.knex('enrollments').where({ userId: student.user.id }))).toBe(1);

    const suspend = await p.stack.http
      .as(admin.token)
      .post(`/api/admin/enrollments/${row.id}/suspend`, { reason: 'code of conduct' });
    expect(suspend.status).toBe(200);
    expect(suspend.body.status).toBe('SUSPENDED');
    expect(
      (await p.stack.http.as(admin.token).post(`/api/admin/enrollments/${row.id}/suspend`, { reason: 'again' })).status,
    ).toBe(200);
    const reinstate = await p.stack.http
      .as(admin.token)
      .post(`/api/admin/enrollments/${row.id}/reinstate`, { reason: 'appeal upheld' });
    expect(reinstate.body.status).toBe('ENROLLED');
    const actions = await p.stack
      .knex('auditLogs')
      .where({ userId: student.user.id })
      .whereIn('action', ['enrollment.suspend', 'enrollment.reinstate'])
      .orderBy('id');
    expect(actions.map((a) => a.action)).toEqual(['enrollment.suspend', 'enrollment.suspend', 'enrollment.reinstate']);
    expect(actions.every((a) => a.actorId === admin.user.id)).toBe(true);
    // The free-text reason stays on the enrollment row, out of the audit log.
    expect(actions.map((a) => a.details)).toEqual([
      { from: 'ENROLLED', to: 'SUSPENDED' },
      { from: 'SUSPENDED', to: 'SUSPENDED' },
      { from: 'SUSPENDED', to: 'ENROLLED' },
    ]);
  });

  it('records a payment made after an admin already enrolled the student', async () => {
    const admin = await createTestUser(p.stack.knex, { role: 'admin' });
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl, sessionId } = await checkout(p, student);
    const res = await p.stack.http
      .as(admin.token)
      .post('/api/admin/enroll-student', { userId: student.user.id, track: 'DP', bypassPayment: true });
    expect(res.status).toBe(202);
    await waitForEnrollment(p, student.user.id);
    await pay(checkoutUrl);
    await waitFor(
      'payment recorded',
      async () => (await p.stack.knex('payments').where({ stripeCheckoutSessionId: sessionId }).first()) ?? undefined,
    );
    const row = await waitFor('payment verified', async () => {
      const e = await enrollmentOf(p, student.user.id);
      return e.paymentVerified ? e : undefined;
    });
    expect(row).toMatchObject({ status: 'ENROLLED', bypassPayment: true });
    expect(await emailsTo(p, student.user.id, 'welcome')).toHaveLength(1);
  });

  it('refuses students, unknown ids and bad bodies on admin endpoints, writing nothing', async () => {
    const admin = await createTestUser(p.stack.knex, { role: 'admin' });
    const student = await createTestUser(p.stack.knex);
    const auditsBefore = await count(p.stack.knex('auditLogs'));
    const asStudent = await p.stack.http
      .as(student.token)
      .post('/api/admin/enroll-student', { userId: student.user.id, track: 'DP', bypassPayment: true });
    expect(asStudent.status).toBe(403);
    const http = p.stack.http.as(admin.token);
    const bad = [
      {},
      { userId: 'not-a-uuid', track: 'DP', bypassPayment: true },
      { userId: student.user.id, track: 'ZZ', bypassPayment: true },
      { userId: student.user.id, track: 'DP', bypassPayment: 'yes' },
      { userId: student.user.id, track: 'DP', bypassPayment: true, notes: 'x'.repeat(5000) },
      { userId: student.user.id, track: 'DP', bypassPayment: true, role: 'admin' },
    ];
    for (const body of bad) {
      const res = await http.post('/api/admin/enroll-student', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    const unknown = await http.post('/api/admin/enroll-student', {
      userId: '00000000-0000-4000-8000-000000000000',
      track: 'DP',
      bypassPayment: true,
    });
    expect(unknown.status).toBe(404);
    for (const [path, body] of [
      ['/api/admin/enrollments/00000000-0000-4000-8000-000000000000/suspend', { reason: 'x' }],
      ['/api/admin/enrollments/not-a-uuid/suspend', { reason: 'x' }],
      ['/api/admin/enrollments/00000000-0000-4000-8000-000000000000/reinstate', {}],
      ['/api/admin/enrollments/00000000-0000-4000-8000-000000000000/reinstate', { reason: 'r'.repeat(1000) }],
    ] as const) {
      const res = await http.post(path, body);
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await count(p.stack.knex('enrollments').where({ userId: student.user.id }))).toBe(0);
    expect(await count(p.stack.knex('auditLogs'))).toBe(auditsBefore);
  });
});
