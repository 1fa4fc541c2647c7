import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeEnrollmentStatus as applyStatusRequest } from '../../lib/enrollments/change-enrollment-status';
import { requestEnrollmentStatusChange } from '../../lib/enrollments/request-enrollment-status-change';
import { AppError } from '../../lib/errors';
import { changeEnrollmentStatus } from '../../api/workflows/onboarding';
import { onboardingStatus } from '../../workflows/onboarding';
import { startPaymentsStack, waitFor, waitForEnrollment, type PaymentsStack } from '../helpers/payments';
import { createTestUser } from '../helpers/users';

let p: PaymentsStack;
beforeAll(async () => {
  p = await startPaymentsStack();
});
afterAll(async () => {
  await p?.close();
});

async function enrolledByAdmin() {
  const admin = await createTestUser(p.stack.knex, { role: 'admin' });
  const student = await createTestUser(p.stack.knex);
  const res = await p.stack.http
    .as(admin.token)
    .post('/api/admin/enroll-student', { userId: student.user.id, track: 'DP', bypassPayment: true });
  expect(res.status).toBe(202);
  const row = await waitForEnrollment(p, student.user.id);
  return { admin, student, row, workflowId: res.body.workflowId as string };
}

describe('admin suspend and reinstate through the onboarding saga', () => {
  it('reaches a saga whose run has closed (a new run applies it), keeping the reason out of the history', async () => {
    const { admin, row, workflowId } = await enrolledByAdmin();
    const closed = p.stack.client.workflow.getHandle(workflowId);
    const { runId: closedRunId } = await closed.describe();
    await closed.terminate('test: the saga ended');

    const reason = 'Personal matter of Jane Roe';
    const res = await p.stack.http.as(admin.token).post(`/api/admin/enrollments/${row.id}/suspend`, { reason });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SUSPENDED');
    expect(await p.stack.knex('enrollments').where({ id: row.id }).first()).toMatchObject({ statusReason: reason });

    const current = p.stack.client.workflow.getHandle(workflowId);
    expect((await current.describe()).runId).not.toBe(closedRunId);
    await waitFor('saga follows', async () =>
      (await current.query(onboardingStatus)).phase === 'SUSPENDED' ? true : undefined,
    );
    expect(await p.stack.historyText(current.workflowId)).not.toContain('Jane Roe');
    const [request] = await p.stack.knex('enrollmentStatusRequests').where({ enrollmentId: row.id });
    expect(request).toMatchObject({ action: 'suspend', outcome: 'applied', reason: null, ipAddress: null });
  });

  it('applies a request once, and answers a refused one with the same 409 message every time', async () => {
    const { admin, student, row } = await enrolledByAdmin();
    const request = (action: 'suspend' | 'reinstate') =>
      requestEnrollmentStatusChange(p.stack.knex, {
        enrollmentId: row.id,
        action,
        reason: 'r',
        actorId: admin.user.id,
        ipAddress: null,
      });
    const audits = () => p.stack.knex('auditLogs').where({ userId: student.user.id, action: 'enrollment.suspend' });

    const suspend = await request('suspend');
    expect(await applyStatusRequest(p.stack.knex, suspend)).toMatchObject({ outcome: 'applied', to: 'SUSPENDED' });
    expect(await applyStatusRequest(p.stack.knex, suspend)).toMatchObject({ outcome: 'applied', to: 'SUSPENDED' });
    expect(await audits()).toHaveLength(1);

    await p.stack.knex('enrollments').where({ id: row.id }).update({ status: 'COMPLETED' });
    const reinstate = await request('reinstate');
    const deps = { config: p.stack.config, temporal: p.stack.client, taskQueues: p.stack.taskQueues };
    const refused = changeEnrollmentStatus(deps, { userId: student.user.id, track: 'DP', requestId: reinstate });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({
      status: 409,
      message: 'Only a SUSPENDED enrollment can be reinstated.',
    });
    expect(await applyStatusRequest(p.stack.knex, reinstate)).toEqual({
      outcome: 'refused',
      refusal: 'Only a SUSPENDED enrollment can be reinstated.',
    });
    expect(await p.stack.knex('enrollments').where({ id: row.id }).first()).toMatchObject({ status: 'COMPLETED' });
  });
});
