import { ActivityFailure, ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { enrollmentsRepo } from '../../lib/db/repositories/enrollments';
import { errors } from '../../lib/errors';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { openCheckout } from '../onboarding-workflow';
import type { RouterFactory } from './index';
import { trackCodeInput } from '../../lib/domain/index';

const checkoutBody = z.object({ track: trackCodeInput }).strict();
const checkoutAnswer = z.object({ checkoutUrl: z.url(), sessionId: z.string(), workflowId: z.string() });

// How long a checkout request waits for the saga to hand back Stripe's session.
const CHECKOUT_WAIT_MS = 20_000;

/** A business refusal inside the saga (closed track, erased user, checkout already done). */
function checkoutRefusal(error: unknown) {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause instanceof ActivityFailure ? error.cause.cause : error.cause;
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  if (type === 'TrackClosed') return errors.conflict('This track is not open for enrollment.');
  if (type === 'PaymentsNotConfigured') return errors.paymentsNotConfigured();
  return errors.conflict('Checkout is not possible for this enrollment.');
}

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
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(errors.unavailable('Checkout is taking longer than usual; try again in a moment.')),
          CHECKOUT_WAIT_MS,
        );
      });
      try {
        const result = await Promise.race([openCheckout(deps, user.id, body.track), timeout]);
        res
          .status(201)
          .json({ checkoutUrl: result.checkoutUrl, sessionId: result.sessionId, workflowId: result.workflowId });
      } catch (error) {
        throw checkoutRefusal(error) ?? error;
      } finally {
        clearTimeout(timer);
      }
    },
  );

  return { router: api.router };
};
