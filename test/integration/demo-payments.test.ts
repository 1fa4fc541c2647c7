import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stages } from '../../scripts/demo/payments';
import type { DemoContext } from '../../scripts/demo/types';
import { startPaymentsStack, waitFor, type PaymentsStack } from '../helpers/payments';
import { createTestUser } from '../helpers/users';

let p: PaymentsStack;
beforeAll(async () => {
  p = await startPaymentsStack();
});
afterAll(async () => {
  await p?.close();
});

describe('demo: payments stages', () => {
  it("runs every stage against the stack, in order, from the accounts stages' state", async () => {
    const policies = await p.stack.http.get('/api/policies/current');
    const signup = await p.stack.http.post('/api/auth/signup', {
      email: `demo-${Date.now()}@example.test`,
      password: 'correct horse battery staple',
      fullName: 'Demo Student',
      acceptPrivacyVersion: policies.body.privacy.version,
      acceptTermsVersion: policies.body.terms.version,
    });
    expect(signup.status, signup.text).toBe(201);
    const admin = await createTestUser(p.stack.knex, { role: 'admin' });
    const ctx: DemoContext = {
      baseUrl: p.stack.baseUrl,
      state: { studentToken: signup.body.token, adminToken: admin.token },
      async request(method, path, options = {}) {
        const res = await p.stack.http.as(options.token).request(method, path, options.body);
        return { status: res.status, body: res.body };
      },
      waitFor: (what, check, timeoutMs) => waitFor(what, check, timeoutMs),
    };
    expect(stages.map((s) => s.name)).toEqual([
      'paid through checkout',
      'enrolled with trainer',
      'welcome email sent',
      'admin enrolled a scholarship student',
      'admins alerted of a refund Cohort never recorded',
    ]);
    for (const stage of stages) await stage.run(ctx);
    expect(ctx.state.enrollment).toMatchObject({ status: 'ENROLLED', paymentVerified: true });
    expect(ctx.state.scholarshipWorkflowId).toMatch(/^onboarding:.+:FSD$/);
    const alerted = await p.stack.knex('stripeEvents').where({ outcome: 'unknown-payment' });
    expect(alerted).toHaveLength(1);
    expect(await p.stack.client.workflow.getHandle(`stripe-alert:${alerted[0].id}`).result()).toEqual({
      eventId: alerted[0].id,
    });
  });
});
