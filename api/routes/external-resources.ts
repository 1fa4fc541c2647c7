import { z } from 'zod';
import { externalResourcesRepo, type ExternalResourceRow } from '../../lib/db/repositories/external-resources';
import { errors } from '../../lib/errors';
import { deprovisionExternalResource } from '../../lib/external-resources/deprovision-external-resource';
import { recordExternalResource } from '../../lib/external-resources/record-external-resource';
import { requireResourceAccess, visibleResources } from '../../lib/external-resources/resource-access';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { audited } from '../http/audit';
import { ApiRouter, problem } from '../http/route';
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

/**
 * Dashboards, notebooks, deployments and cloud resources a student uses, for the record and
 * for erasure. Least privilege: students their own, trainers their assigned students', admins all.
 */
export const createExternalResourcesRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);
  const isStaff = (user: { role: string }) => user.role === 'trainer' || hasRole(user as never, 'admin');

  api.route(
    {
      method: 'post',
      path: '/api/external-resources',
      summary: 'Record an external resource of a student (own; a trainer: an assigned student)',
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
      responses: {
        201: { description: 'The resource', schema: resourceView },
        403: problem('A trainer naming a student not assigned to them'),
      },
    },
    [requireUser({ roles: ['student', 'trainer', 'admin'] }), audited(knex, 'external_resource.create')],
    async ({ body }, req, res) => {
      const { user } = currentAuth(req);
      if (isStaff(user) && !body.userId)
        throw errors.validation('The request body is not valid.', [
          { path: 'userId', message: 'staff must name the student' },
        ]);
      const userId = body.userId ?? user.id;
      await requireResourceAccess(knex, user, userId);
      const row = await recordExternalResource(knex, {
        userId,
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
      summary: 'External resources: own (student), assigned students (trainer), all (admin)',
      tags: ['External resources'],
      secured: true,
      query: z.object({ userId: z.uuid().optional(), active: z.stringbool().optional() }),
      responses: { 200: { description: 'Resources, newest first', schema: z.array(resourceView) } },
    },
    [requireUser()],
    async ({ query }, req, res) => {
      const { user } = currentAuth(req);
      const rows = await externalResourcesRepo.list(knex, { ...visibleResources(user), ...query });
      res.json(rows.map(toView));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/external-resources/:id/deprovision',
      summary: 'Mark an external resource as deprovisioned (a trainer: of an assigned student)',
      tags: ['External resources'],
      secured: true,
      params: z.object({ id: z.uuid() }),
      responses: {
        200: { description: 'The resource, with deprovisionedAt', schema: resourceView },
        403: problem('A student, or a trainer not assigned to its student'),
        404: problem('No such resource'),
      },
    },
    [
      requireUser({ roles: ['trainer', 'admin'] }),
      audited(knex, 'external_resource.deprovision', {
        resource: (req) => `external_resource:${String(req.params.id)}`,
      }),
    ],
    async ({ params }, req, res) => {
      // Idempotent: the first deprovisioning time stands.
      res.json(toView(await deprovisionExternalResource(knex, currentAuth(req).user, params.id)));
    },
  );

  return { router: api.router };
};
