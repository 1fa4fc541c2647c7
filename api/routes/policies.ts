import { z } from 'zod';
import { acceptPolicies } from '../../lib/accounts/accept-policies';
import { publishPolicy } from '../../lib/accounts/publish-policy';
import { policiesRepo } from '../../lib/db/repositories/policies';
import { errors } from '../../lib/errors';
import { audited } from '../http/audit';
import { currentAuth, requireUser } from '../http/auth';
import { requestContext } from '../http/context';
import { ApiRouter } from '../http/route';
import { consentRecordSchema, policyContentField, versionField } from './account-schemas';
import type { RouterFactory } from './index';

const policySchema = z.object({ version: z.string(), content: z.string(), effectiveDate: z.iso.date() });
const acceptBody = z.strictObject({ privacyVersion: versionField, termsVersion: versionField });
const publishBody = z.strictObject({
  kind: z.enum(['privacy', 'terms']),
  version: versionField,
  content: policyContentField,
  effectiveDate: z.iso.date(),
  activate: z.boolean().default(false),
});

export const createPoliciesRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'get',
      path: '/api/policies/current',
      summary: 'The active privacy policy and terms',
      tags: ['Accounts'],
      responses: {
        200: { description: 'Active versions', schema: z.object({ privacy: policySchema, terms: policySchema }) },
      },
    },
    [],
    async (_input, _req, res) => {
      const [privacy, terms] = await Promise.all([
        policiesRepo.active(knex, 'privacy'),
        policiesRepo.active(knex, 'terms'),
      ]);
      if (!privacy || !terms) throw errors.notFound('Active policy');
      const show = ({ version, content, effectiveDate }: typeof privacy) => ({ version, content, effectiveDate });
      res.json({ privacy: show(privacy), terms: show(terms) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/policies/accept',
      summary: 'Accept the active privacy policy and terms',
      tags: ['Accounts'],
      secured: true,
      body: acceptBody,
      responses: { 201: { description: 'The consent record', schema: consentRecordSchema } },
    },
    [requireUser({ consent: false }), audited(knex, 'consent.policies_accepted')],
    async ({ body }, req, res) => {
      const { user } = currentAuth(req);
      const consent = await knex.transaction((trx) => acceptPolicies(trx, user.id, body, requestContext(req)));
      // Details come from validated input only, so a rejected body never reaches the log.
      res.locals.auditDetails = { privacyVersion: consent.policyVersion, termsVersion: consent.termsVersion };
      res.status(201).json({
        id: consent.id,
        kind: consent.kind,
        granted: consent.granted,
        privacyVersion: consent.policyVersion,
        termsVersion: consent.termsVersion,
        acceptedAt: consent.acceptedAt,
      });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/admin/policies',
      summary: 'Publish a privacy policy or terms version',
      tags: ['Admin'],
      secured: true,
      body: publishBody,
      responses: {
        201: {
          description: 'Published',
          schema: policySchema.extend({ id: z.uuid(), kind: z.enum(['privacy', 'terms']), active: z.boolean() }),
        },
      },
    },
    [audited(knex, 'policy.published'), requireUser({ roles: ['admin'] })],
    async ({ body }, req, res) => {
      const row = await knex.transaction((trx) => publishPolicy(trx, body, currentAuth(req).user.id));
      res.locals.auditDetails = { kind: body.kind, version: row.version, activate: row.active };
      res.status(201).json({
        id: row.id,
        kind: body.kind,
        version: row.version,
        content: row.content,
        effectiveDate: row.effectiveDate,
        active: row.active,
      });
    },
  );

  return { router: api.router };
};
