import { afterAll, beforeAll, expect, it } from 'vitest';
import {
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
// A retry timer far beyond the test: only the nudge from trainer creation can assign.
beforeAll(async () => {
  p = await startPaymentsStack({ env: { TRAINER_ASSIGNMENT_RETRY: '6h' } });
});
afterAll(async () => {
  await p?.close();
});

it('assigns a waiting student as soon as an admin adds a trainer for the track', async () => {
  const student = await createTestUser(p.stack.knex);
  await pay((await checkout(p, student, 'DP')).checkoutUrl);
  await waitForEnrollment(p, student.user.id, 'ENROLLED', 'DP');
  expect((await enrollmentOf(p, student.user.id, 'DP')).trainerId).toBeNull();

  const admin = await createTestUser(p.stack.knex, { role: 'admin' });
  const trainerUser = await createTestUser(p.stack.knex, { role: 'trainer' });
  const created = await p.stack.http
    .as(admin.token)
    .post('/api/admin/trainers', { userId: trainerUser.user.id, tracks: ['DP'] });
  expect(created.status).toBe(201);

  const assigned = await waitFor(
    'trainer assigned',
    async () => (await enrollmentOf(p, student.user.id, 'DP')).trainerId ?? undefined,
    20_000,
  );
  expect(assigned).toBe(created.body.id);
});

it('gives a waiting student the seat an admin suspension frees, without waiting for the retry timer', async () => {
  const admin = await createTestUser(p.stack.knex, { role: 'admin' });
  const trainerUser = await createTestUser(p.stack.knex, { role: 'trainer' });
  const trainer = await p.stack.http
    .as(admin.token)
    .post('/api/admin/trainers', { userId: trainerUser.user.id, tracks: ['FSD'], maxStudents: 1 });
  expect(trainer.status).toBe(201);
  const [seated, waiting] = [await createTestUser(p.stack.knex), await createTestUser(p.stack.knex)];
  await pay((await checkout(p, seated, 'FSD')).checkoutUrl);
  const seat = await waitFor('first student seated', async () => {
    const e = await enrollmentOf(p, seated.user.id, 'FSD');
    return e?.trainerId ? e : undefined;
  });
  expect(seat.trainerId).toBe(trainer.body.id);
  await pay((await checkout(p, waiting, 'FSD')).checkoutUrl);
  await waitForEnrollment(p, waiting.user.id, 'ENROLLED', 'FSD');
  await waitFor('no-capacity alert', async () =>
    p.slack.messages.some((m) => m.includes('every trainer of the track is full') && m.includes(waiting.user.id))
      ? true
      : undefined,
  );
  expect((await enrollmentOf(p, waiting.user.id, 'FSD')).trainerId).toBeNull();

  expect(
    (await p.stack.http.as(admin.token).post(`/api/admin/enrollments/${seat.id}/suspend`, { reason: 'paused studies' }))
      .status,
  ).toBe(200);
  const assigned = await waitFor(
    'freed seat taken',
    async () => (await enrollmentOf(p, waiting.user.id, 'FSD')).trainerId ?? undefined,
    20_000,
  );
  expect(assigned).toBe(trainer.body.id);
  expect(await p.stack.knex('enrollments').where({ trainerId: trainer.body.id, status: 'ENROLLED' })).toHaveLength(1);
});
