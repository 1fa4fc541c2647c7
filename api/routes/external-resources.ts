import { z } from 'zod';
import { externalResourcesRepo, type ExternalResourceRow } from '../../lib/db/repositories/external-resources';
import { errors } from '../../lib/errors';
import { recordExternalResource } from '../../lib/external-resources/record-external-resource';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { audited } from '../http/audit';
import { ApiRouter } from '../http/route';
import { webUrl } from '../http/url';
import type { RouterFactory } from './index';
import { resourceTypeSchema } from '../../lib/domain/index';

const resourceView = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  projectId: z.uuid().nullable(),
  submissionId: z.uuid().nullable(),
  resourceType: resourceTypeSchema,
  resourceUrl: z.string(),
  credentialsStored: z.boolean(),
  provisionedAt: z.string(),
  deprovisionedAt: z.string().nullable(),
  createdBy: z.uuid().nullable(),
});

const toView = ({
  id,
  userId,
  projectId,
  submissionId,
  resourceType: type,
  resourceUrl,
  credentialsStored,
  provisionedAt,
  deprovisionedAt,
  createdBy,
}: ExternalResourceRow) => ({
  id,
  userId,
  projectId,
  submissionId,
  resourceType: type,
  resourceUrl,
  credentialsStored,
  provisionedAt: provisionedAt.toISOString(),
  deprovisionedAt: deprovisionedAt ? deprovisionedAt.toISOString() : null,
  createdBy,
});

/** Dashboards, notebooks, deployments and cloud resources a student uses, for the record and for erasure. */
export const createExternalResourcesRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);
  const isStaff = (user: { role: string }) => user.role === 'trainer' || hasRole(user as never, 'admin');

  api.route(
    {
      method: 'post',
      path: '/api/external-resources',
      summary: 'Record an external resource of a student',
      tags: ['External resources'],
      secured: true,
      body: z.object({
        userId: z.uuid().optional(),
        projectId: z.uuid().optional(),
        submissionId: z.uuid().optional(),
        resourceType: resourceTypeSchema,
        resourceUrl: webUrl,
        credentialsStored: z.boolean().default(false),
      }),
      responses: { 201: { description: 'The resource', schema: resourceView } },
    },
    [requireUser({ roles: ['student', 'trainer', 'admin'] }), audited(knex, 'external_resource.create')],
    async ({ body }, req, res) => {
      const { user } = currentAuth(req);
      const staff = isStaff(user);
      if (!staff && body.userId && body.userId !== user.id) throw errors.notFound('User');
      if (staff && !body.userId)
        throw errors.validation('The request body is not valid.', [
          { path: 'userId', message: 'staff must name the student' },
        ]);
      const row = await recordExternalResource(knex, {
        userId: body.userId ?? user.id,
        projectId: body.projectId,
        submissionId: body.submissionId,
        resourceType: body.resourceType,
        resourceUrl: body.resourceUrl,
        credentialsStored: body.credentialsStored,
        createdBy: user.id,
      });
      res.status(201).json(toView(row));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/external-resources',
      summary: 'External resources: own (student), all (staff)',
      tags: ['External resources'],
      secured: true,
      query: z.object({ userId: z.uuid().optional(), active: z.stringbool().optional() }),
      responses: { 200: { description: 'Resources, newest first', schema: z.array(resourceView) } },
    },
    [requireUser()],
    async ({ query }, req, res) => {
      const { user } = currentAuth(req);
      const rows = await externalResourcesRepo.list(knex, {
        ...(isStaff(user) ? {} : { ownedBy: user.id }),
        ...query,
      });
      res.json(rows.map(toView));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/external-resources/:id/deprovision',
      summary: 'Mark an external resource as deprovisioned',
      tags: ['External resources'],
      secured: true,
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'The resource, with deprovisionedAt', schema: resourceView } },
    },
    [
      requireUser({ roles: ['trainer', 'admin'] }),
      audited(knex, 'external_resource.deprovision', {
        resource: (req) => `external_resource:${String(req.params.id)}`,
      }),
    ],
    async ({ params }, _req, res) => {
      // Idempotent: the first deprovisioning time stands.
      const row = await externalResourcesRepo.markDeprovisioned(knex, params.id);
      if (!row) throw errors.notFound('External resource');
      res.json(toView(row));
    },
  );

  return { router: api.router };
};
