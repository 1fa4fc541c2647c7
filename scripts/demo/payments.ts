import { randomBytes } from 'node:crypto';
import type { DemoContext, DemoStage } from './types';

/**
 * Payment → enrollment, after the accounts stages.
 * Reads:  ctx.state.studentToken (a signed-up student), ctx.state.adminToken (an admin).
 * Writes: ctx.state.trainerId, ctx.state.checkout ({ sessionId, workflowId }),
 *         ctx.state.stripeStandin (the stand-in's origin), ctx.state.enrollment (the student's
 *         enrollment), ctx.state.scholarshipWorkflowId.
 */
const expect = (ok: boolean, what: string, body?: unknown) => {
  if (!ok) throw new Error(`${what}${body === undefined ? '' : `: ${JSON.stringify(body).slice(0, 300)}`}`);
};
const unique = () => randomBytes(4).toString('hex');

/** A trainer for DP with room, so the student gets one at enrollment. */
async function ensureTrainer(ctx: DemoContext): Promise<void> {
  if (ctx.state.trainerId) return;
  const admin = ctx.state.adminToken as string;
  const user = await ctx.request('POST', '/api/admin/users', {
    token: admin,
    body: { email: `trainer-${unique()}@demo.cohort.test`, fullName: 'Grace Trainer', role: 'trainer' },
  });
  expect(user.status === 201, 'admin could not create a trainer user', user.body);
  const trainer = await ctx.request('POST', '/api/admin/trainers', {
    token: admin,
    body: { userId: user.body.id, tracks: ['DP', 'FSD'] },
  });
  expect(trainer.status === 201, 'admin could not create a trainer', trainer.body);
  ctx.state.trainerId = trainer.body.id;
}

export const stages: DemoStage[] = [
  {
    name: 'paid through checkout',
    async run(ctx) {
      await ensureTrainer(ctx);
      const res = await ctx.request('POST', '/api/payments/checkout', {
        token: ctx.state.studentToken,
        body: { track: 'DP' },
      });
      expect(res.status === 201, 'checkout did not open', res.body);
      ctx.state.checkout = { sessionId: res.body.sessionId, workflowId: res.body.workflowId };
      ctx.state.stripeStandin = new URL(res.body.checkoutUrl).origin;
      // Paying is a POST to the checkout URL (the Stripe stand-in's test card in the dev stack).
      const paid = await fetch(res.body.checkoutUrl, { method: 'POST' });
      expect(paid.status === 200, `paying answered ${paid.status}`);
    },
  },
  {
    name: 'enrolled with trainer',
    async run(ctx) {
      ctx.state.enrollment = await ctx.waitFor(
        'ENROLLED with a trainer',
        async () => {
          const res = await ctx.request('GET', '/api/enrollment', { token: ctx.state.studentToken });
          return res.status === 200 && res.body.status === 'ENROLLED' && res.body.trainer && res.body.paymentVerified
            ? res.body
            : undefined;
        },
        30_000,
      );
    },
  },
  {
    name: 'welcome email sent',
    async run(ctx) {
      const me = await ctx.request('GET', '/api/me', { token: ctx.state.studentToken });
      expect(me.status === 200, 'GET /api/me failed', me.body);
      await ctx.waitFor(
        'the welcome email',
        async () => {
          const res = await ctx.request(
            'GET',
            `/api/admin/emails?template=welcome&to=${encodeURIComponent(me.body.email)}`,
            { token: ctx.state.adminToken },
          );
          return res.status === 200 &&
            Array.isArray(res.body) &&
            res.body.some((m: { status: string }) => m.status === 'SENT' || m.status === 'STORED')
            ? true
            : undefined;
        },
        30_000,
      );
    },
  },
  {
    name: 'admin enrolled a scholarship student',
    async run(ctx) {
      const admin = ctx.state.adminToken as string;
      const user = await ctx.request('POST', '/api/admin/users', {
        token: admin,
        body: { email: `scholar-${unique()}@demo.cohort.test`, fullName: 'Ada Scholar', role: 'student' },
      });
      expect(user.status === 201, 'admin could not create the student', user.body);
      const body = { userId: user.body.id, track: 'FSD', bypassPayment: true, notes: 'Demo scholarship' };
      const first = await ctx.request('POST', '/api/admin/enroll-student', { token: admin, body });
      expect(first.status === 202, 'admin enrollment refused', first.body);
      ctx.state.scholarshipWorkflowId = first.body.workflowId;
      // Repeating the request lands on the same workflow and reports its phase.
      await ctx.waitFor(
        'the scholarship enrollment',
        async () => {
          const again = await ctx.request('POST', '/api/admin/enroll-student', { token: admin, body });
          return again.status === 202 &&
            again.body.workflowId === first.body.workflowId &&
            again.body.status === 'ENROLLED'
            ? true
            : undefined;
        },
        30_000,
      );
    },
  },
  {
    name: 'admins alerted of a refund Cohort never recorded',
    async run(ctx) {
      // Stripe reports, two hours late, the refund of a payment no Cohort checkout made: the webhook
      // acknowledges it (no endless redelivery) and the stripe-alert workflow tells admins.
      const subject = 'payment Cohort never recorded';
      const alerts = async () => {
        const res = await ctx.request('GET', '/api/admin/emails?template=admin-alert&limit=100', {
          token: ctx.state.adminToken,
        });
        expect(res.status === 200, 'admin emails not listed', res.body);
        return (res.body as { subject: string }[]).filter((m) => m.subject.includes(subject)).length;
      };
      const before = await alerts();
      const reported = await fetch(
        `${ctx.state.stripeStandin as string}/_standin/foreign-charge-refund?age_seconds=7200`,
        {
          method: 'POST',
        },
      );
      expect(reported.status === 200, `the Stripe stand-in answered ${reported.status}`);
      await ctx.waitFor('the admin alert email', async () => ((await alerts()) > before ? true : undefined), 30_000);
    },
  },
];
