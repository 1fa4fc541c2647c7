import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { expectProblem, signUpOverHttp } from '../helpers/accounts';

let stack: TestStack;
let admin: TestUser;
let student: TestUser;

beforeAll(async () => {
  stack = await startStack({ env: { TEMPORAL_UI_URL: 'http://ui.example.test:8233/' } });
  [admin, student] = await Promise.all([
    createTestUser(stack.knex, { role: 'admin' }),
    createTestUser(stack.knex, { role: 'student' }),
  ]);
});
afterAll(async () => {
  await stack?.close();
});

describe('admin workflow lookup', () => {
  it("answers a workflow's type, status, times, status query and UI link, and lists a user's workflows", async () => {
    const signedUp = await signUpOverHttp(stack.http);
    const workflowId = `account-email:${signedUp.user.id}:verify-email:1`;
    await stack.client.workflow.getHandle(workflowId).result();

    const one = await stack.http.as(admin.token).get(`/api/admin/workflows/${encodeURIComponent(workflowId)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      workflowId,
      type: 'accountEmail',
      status: 'COMPLETED',
      kind: 'account-email',
      userId: signedUp.user.id,
      query: 'STORED',
    });
    expect(Date.parse(one.body.startedAt)).toBeLessThanOrEqual(Date.parse(one.body.closedAt));
    expect(one.body.temporalUiUrl).toBe(
      `http://ui.example.test:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${one.body.runId}/history`,
    );

    // Visibility is eventually consistent: the list catches up within moments.
    let list: { body: Array<{ workflowId: string; type: string }> } = { body: [] };
    for (let i = 0; i < 50 && !list.body.some((w) => w.workflowId === workflowId); i++) {
      list = await stack.http.as(admin.token).get(`/api/admin/users/${signedUp.user.id}/workflows`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(list.body).toEqual([expect.objectContaining({ workflowId, type: 'accountEmail', status: 'COMPLETED' })]);
  });

  it('answers a running workflow with its live status query', async () => {
    const handle = await stack.client.workflow.start('onboarding', {
      taskQueue: stack.taskQueues.default,
      workflowId: `onboarding:${student.user.id}:DP`,
      args: [{ userId: student.user.id, track: 'DP', checkoutExpiryMs: 3_600_000, trainerRetryMs: 60_000 }],
    });
    try {
      let res = await stack.http.as(admin.token).get(`/api/admin/workflows/${encodeURIComponent(handle.workflowId)}`);
      for (let i = 0; i < 50 && res.body.query?.phase !== 'AWAITING_PAYMENT'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await stack.http.as(admin.token).get(`/api/admin/workflows/${encodeURIComponent(handle.workflowId)}`);
      }
      expect(res.body).toMatchObject({ type: 'onboarding', status: 'RUNNING', closedAt: null });
      expect(res.body.query).toMatchObject({ phase: 'AWAITING_PAYMENT', bypassPayment: false });
    } finally {
      await handle.terminate('test over');
    }
  });

  it('answers 404 problem+json for an unknown id, 400 for a malformed user id, and refuses non-admins', async () => {
    expectProblem(
      await stack.http.as(admin.token).get('/api/admin/workflows/onboarding%3Anobody%3ADP'),
      404,
      'not_found',
    );
    expectProblem(
      await stack.http.as(admin.token).get('/api/admin/users/not-a-uuid/workflows'),
      400,
      'validation_failed',
    );
    expectProblem(await stack.http.as(admin.token).get('/api/admin/workflows/a%00b'), 400, 'validation_failed');
    expectProblem(await stack.http.as(student.token).get('/api/admin/workflows/x'), 403, 'forbidden');
    expectProblem(
      await stack.http.as(student.token).get(`/api/admin/users/${student.user.id}/workflows`),
      403,
      'forbidden',
    );
    expectProblem(await stack.http.get('/api/admin/workflows/x'), 401, 'unauthenticated');
  });
});
