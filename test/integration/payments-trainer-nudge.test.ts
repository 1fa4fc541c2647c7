import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkout, enrollmentOf, pay, startPaymentsStack, waitFor, waitForEnrollment, type PaymentsStack } from '../helpers/payments';
import { createTestUser } from '../helpers/users';

let p: PaymentsStack;
// A retry timer far beyond the test: only the nudge from trainer creation can assign.
beforeAll(async () => { p = await startPaymentsStack({ env: { TRAINER_ASSIGNMENT_RETRY: '6h' } }); });
afterAll(async () => { await p?.close(); });

it('assigns a waiting student as soon as an admin adds a trainer for the track', async () => {
  const student = await createTestUser(p.stack.knex);
  await pay((await checkout(p, student, 'DP')).checkoutUrl);
  await waitForEnrollment(p, student.user.id, 'ENROLLED', 'DP');
  expect((await enrollmentOf(p, student.user.id, 'DP')).trainerId).toBeNull();

  const admin = await createTestUser(p.stack.knex, { role: 'admin' });
  const trainerUser = await createTestUser(p.stack.knex, { role: 'trainer' });
  const created = await p.stack.http.as(admin.token).post('/api/admin/trainers', { userId: trainerUser.user.id, tracks: ['DP'] });
  expect(created.status).toBe(201);

  const assigned = await waitFor('trainer assigned', async () => (await enrollmentOf(p, student.user.id, 'DP')).trainerId ?? undefined, 20_000);
  expect(assigned).toBe(created.body.id);
});
