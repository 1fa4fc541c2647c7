import { z } from 'zod';
import { errors } from '../../lib/errors';
import { confirmIdentity } from '../../lib/privacy/confirm-identity';
import { audited } from '../http/audit';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { cancelErasure, requestErasure } from '../workflows/account-deletion';
import type { RouterFactory } from './index';

const deleteBody = z.strictObject({ password: z.string().min(1).max(200).optional() });
const anonymizeBody = z.strictObject({ userId: z.uuid().optional() });
const scheduledSchema = z.object({ workflowId: z.string(), scheduledFor: z.string() });
const acceptedSchema = z.object({ workflowId: z.string() });
const cancelledSchema = z.object({ cancelled: z.literal(true) });

/** The privacy rights of API.md: deletion with cool-off, its cancel, anonymization (export: see exports). */
export const createAccountsRouter: RouterFactory = (deps, registry) => {
  const { knex, config } = deps;
  const api = new ApiRouter(registry);
  // Privacy rights stay available before the current policies are accepted.
  const signedIn = requireUser({ consent: false });

  api.route(
    {
      method: 'delete',
      path: '/api/accounts/delete-account',
      summary: 'Delete your account after a cool-off (DELETION_COOL_OFF), cancellable until then',
      tags: ['Privacy'],
      secured: true,
      body: deleteBody,
      responses: { 202: { description: 'Scheduled', schema: scheduledSchema } },
    },
    [signedIn, audited(knex, 'account.deletion_requested')],
    async ({ body }, req, res) => {
      const { user, sessionId } = currentAuth(req);
      await confirmIdentity(knex, user, sessionId, body.password);
      const { workflowId, status } = await requestErasure(deps, {
        userId: user.id,
        kind: 'DELETION',
        requestedBy: null,
        coolOffMs: config.DELETION_COOL_OFF,
      });
      if (status.phase === 'erasing' || status.phase === 'completed')
        throw errors.conflict('This account is being deleted already.');
      res.status(202).json({ workflowId, scheduledFor: status.scheduledFor! });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/accounts/delete-account/cancel',
      summary: 'Cancel your account deletion during its cool-off',
      tags: ['Privacy'],
      secured: true,
      responses: { 200: { description: 'Cancelled; the account is restored', schema: cancelledSchema } },
    },
    [signedIn, audited(knex, 'account.deletion_cancelled')],
    async (_input, req, res) => {
      await cancelErasure(deps, currentAuth(req).user.id);
      res.json({ cancelled: true });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/accounts/anonymize',
      summary: 'Erase personal data at once, keeping learning records under a pseudonym (self, or an admin for a user)',
      tags: ['Privacy'],
      secured: true,
      body: anonymizeBody,
      responses: { 202: { description: 'Erasure started', schema: acceptedSchema } },
    },
    [
      signedIn,
      audited(knex, 'account.anonymization_requested', { subject: (req) => (req.body as { userId?: string })?.userId }),
    ],
    async ({ body }, req, res) => {
      const { user } = currentAuth(req);
      const target = body.userId ?? user.id;
      if (target !== user.id && !hasRole(user, 'admin')) throw errors.forbidden();
      const { workflowId } = await requestErasure(deps, {
        userId: target,
        kind: 'ANONYMIZATION',
        requestedBy: target === user.id ? null : user.id,
        coolOffMs: 0,
      });
      res.status(202).json({ workflowId });
    },
  );

  return { router: api.router };
};
