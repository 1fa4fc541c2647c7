import { z } from 'zod';
import { enrollmentsRepo } from '../../lib/db/repositories/enrollments';
import { errors } from '../../lib/errors';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { openCheckout } from '../workflows/onboarding';
import type { RouterFactory } from './index';
import { trackCodeInput } from '../../lib/domain/index';

const checkoutBody = z.object({ track: trackCodeInput }).strict();
const checkoutAnswer = z.object({ checkoutUrl: z.url(), sessionId: z.string(), workflowId: z.string() });

export const createPaymentsRouter: RouterFactory = (deps, registry) => {
  const api = new ApiRouter(registry);
  const { knex, config } = deps;

  api.route(
    {
      method: 'post',
      path: '/api/payments/checkout',
      summary: 'Start paying for a track (Stripe Checkout)',
      tags: ['Payments'],
      secured: true,
      body: checkoutBody,
      responses: { 201: { description: 'Checkout session; pay at checkoutUrl', schema: checkoutAnswer } },
    },
    [requireUser({ roles: ['student'] })],
    async ({ body }, req, res) => {
      if (!config.STRIPE_SECRET_KEY) throw errors.paymentsNotConfigured();
      const { user } = currentAuth(req);
      const existing = await enrollmentsRepo.find(knex, user.id, body.track);
      if (existing && ['ENROLLED', 'SUSPENDED', 'COMPLETED'].includes(existing.status))
        throw errors.conflict('You are already enrolled in this track.');
      const result = await openCheckout(deps, user.id, body.track);
      res
        .status(201)
        .json({ checkoutUrl: result.checkoutUrl, sessionId: result.sessionId, workflowId: result.workflowId });
    },
  );

  return { router: api.router };
};
