import { buildComplianceReport, complianceReportSchema } from '../../lib/compliance/build-compliance-report';
import { requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import type { RouterFactory } from './index';

/** The compliance report for admins (also `npm run compliance-report`). */
export const createComplianceRouter: RouterFactory = ({ knex }, registry) => {
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'get',
      path: '/api/admin/compliance/report',
      summary:
        'Consent coverage by version, users who must re-consent, open and overdue privacy requests, legal holds, retention runs, erasure reports',
      tags: ['Operations'],
      secured: true,
      responses: { 200: { description: 'The compliance report', schema: complianceReportSchema } },
    },
    [requireUser({ roles: ['admin'] })],
    async (_input, _req, res) => {
      res.json(await buildComplianceReport(knex));
    },
  );

  return { router: api.router };
};
