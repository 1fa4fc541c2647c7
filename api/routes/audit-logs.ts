import { z } from 'zod';
import { listAuditLogs } from '../../lib/accounts/list-audit-logs';
import { requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import type { RouterFactory } from './index';

const auditQuery = z.strictObject({
  userId: z.uuid().optional(),
  action: z
    .string()
    .max(100)
    .regex(/^[a-z0-9_.:-]+$/, 'an action name such as auth.login')
    .optional(),
  from: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .optional(),
  to: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});

const auditEntry = z.object({
  id: z.number().int(),
  userId: z.uuid().nullable(),
  actorId: z.uuid().nullable(),
  action: z.string(),
  resource: z.string().nullable(),
  outcome: z.string(),
  ipAddress: z.string().nullable(),
  timestamp: z.iso.datetime(),
  details: z.record(z.string(), z.unknown()),
});

export const createAuditLogsRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'get',
      path: '/api/admin/audit-logs',
      summary: 'Audit log, newest first, filtered and paginated',
      tags: ['Admin'],
      secured: true,
      query: auditQuery,
      responses: {
        200: {
          description: 'A page of entries; pass nextBefore as `before` for the next page',
          schema: z.object({ items: z.array(auditEntry), nextBefore: z.number().int().nullable() }),
        },
      },
    },
    [requireUser({ roles: ['admin'] })],
    async ({ query }, _req, res) => {
      res.json(await listAuditLogs(knex, query));
    },
  );

  return { router: api.router };
};
