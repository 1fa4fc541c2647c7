import { z } from 'zod';
import { loadPresentedUser } from '../../lib/accounts/present-user';
import { updateProfile } from '../../lib/accounts/update-profile';
import { recordAudit } from '../../lib/audit';
import { currentAuth, requireUser } from '../http/auth';
import { requestContext } from '../http/context';
import { ApiRouter } from '../http/route';
import { fullNameField, userSchema } from './account-schemas';
import type { RouterFactory } from './index';

const patchBody = z
  .strictObject({
    fullName: fullNameField.optional(),
    marketingConsent: z.boolean().optional(),
    dataRetentionConsent: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');

export const createMeRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);
  // /api/me stays reachable before the current policies are accepted (API.md exempts it).
  const signedIn = requireUser({ consent: false });

  api.route(
    {
      method: 'get',
      path: '/api/me',
      summary: 'The signed-in user',
      tags: ['Accounts'],
      secured: true,
      responses: { 200: { description: 'The user', schema: userSchema } },
    },
    [signedIn],
    async (_input, req, res) => {
      res.json(await loadPresentedUser(knex, currentAuth(req).user));
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/api/me',
      summary: 'Change your name, give or withdraw consents',
      tags: ['Accounts'],
      secured: true,
      body: patchBody,
      responses: { 200: { description: 'The updated user', schema: userSchema } },
    },
    [signedIn],
    async ({ body }, req, res) => {
      const { user: caller } = currentAuth(req);
      const context = requestContext(req);
      const user = await knex.transaction(async (trx) => {
        const result = await updateProfile(trx, caller.id, body, context);
        // Each consent given or withdrawn is its own audit entry, committed with the change.
        for (const change of result.consentChanges) {
          await recordAudit(trx, {
            action: change.granted ? 'consent.granted' : 'consent.withdrawn',
            userId: caller.id,
            resource: `consent:${change.kind}`,
            ipAddress: context.ipAddress,
            details: { kind: change.kind },
          });
        }
        if (result.nameChanged)
          await recordAudit(trx, {
            action: 'profile.updated',
            userId: caller.id,
            ipAddress: context.ipAddress,
            details: { fields: ['fullName'] },
          });
        return result.user;
      });
      res.json(await loadPresentedUser(knex, user));
    },
  );

  return { router: api.router };
};
