import { z } from 'zod';
import { readWorkspaceCredentials } from '../../lib/workspaces/read-workspace-credentials';
import { audited } from '../http/audit';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import type { RouterFactory } from './index';

const credentials = z.object({
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  schema: z.string(),
  username: z.string(),
  password: z.string(),
  connectionString: z.string(),
  expiresAt: z.string().nullable(),
});

/** The student's own workspace credentials: the route takes no id, so nobody reads another's. */
export const createWorkspaceRouter: RouterFactory = ({ knex, config, secrets }, registry) => {
  const api = new ApiRouter(registry);
  api.route(
    {
      method: 'get',
      path: '/api/workspace/db-credentials',
      summary: "The student's PostgreSQL workspace credentials (DP, from the start of project 1)",
      tags: ['Workspace'],
      secured: true,
      responses: {
        200: { description: 'Credentials for the own schema; every read is audit-logged', schema: credentials },
      },
    },
    [requireUser({ roles: ['student'] }), audited(knex, 'workspace.credentials_read')],
    async (_input, req, res) => {
      const { user } = currentAuth(req);
      const answer = await readWorkspaceCredentials({ db: knex, secrets: secrets!, config }, user.id);
      res.set('Cache-Control', 'no-store');
      res.json(answer);
    },
  );
  return { router: api.router };
};
