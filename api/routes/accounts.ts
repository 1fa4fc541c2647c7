import { z } from 'zod';
import { errors } from '../../lib/errors';
import { confirmIdentity } from '../../lib/privacy/confirm-identity';
import { audited } from '../http/audit';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import { cancelErasure, requestErasure } from '../workflows/account-deletion';
import { startDataExport } from '../workflows/data-export';
import { dailyExportId, findLatestExport } from '../../lib/privacy/data-exports';
import type { RouterFactory } from './index';

const deleteBody = z.strictObject({ password: z.string().min(1).max(200).optional() });
const anonymizeBody = z.strictObject({ userId: z.uuid().optional() });
const scheduledSchema = z.object({ workflowId: z.string(), scheduledFor: z.string() });
const acceptedSchema = z.object({ workflowId: z.string() });
const DAY_MS = 86_400_000;
const exportReadySchema = z.object({ status: z.literal('READY'), downloadUrl: z.string(), expiresAt: z.string() });
const exportRunningSchema = z.object({ status: z.literal('RUNNING'), workflowId: z.string() });
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

  api.route(
    {
      method: 'get',
      path: '/api/accounts/export-data',
      summary: 'Export your data (a ZIP of JSON files): 202 while it is built, 200 with a download link when ready',
      tags: ['Privacy'],
      secured: true,
      responses: {
        200: { description: 'Ready', schema: exportReadySchema },
        202: { description: 'Being built', schema: exportRunningSchema },
      },
    },
    [signedIn, audited(knex, 'account.data_exported')],
    async (_input, req, res) => {
      const { user } = currentAuth(req);
      const latest = await findLatestExport(knex, user.id);
      const recent = latest && Date.now() - latest.createdAt.getTime() < DAY_MS && latest.status !== 'FAILED';
      if (recent && latest.status === 'READY' && latest.blobKey && latest.expiresAt && latest.expiresAt > new Date()) {
        const link = await deps.blobs!.downloadUrl(latest.blobKey, {
          ttlMs: latest.expiresAt.getTime() - Date.now(),
          fileName: 'cohort-data-export.zip',
        });
        res.json({ status: 'READY', downloadUrl: link.url, expiresAt: latest.expiresAt.toISOString() });
        return;
      }
      // At most one new export a day: a recent one (running) is answered, not repeated.
      const workflowId = recent ? latest.workflowId : await startDataExport(deps, user.id, dailyExportId(user.id));
      res.status(202).json({ status: 'RUNNING', workflowId });
    },
  );

  return { router: api.router };
};
