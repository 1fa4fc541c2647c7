import { z } from 'zod';
import { requireUser } from '../http/auth';
import { ApiRouter, problem } from '../http/route';
import { noControlCharacters } from '../http/text';
import { describeWorkflow, listUserWorkflows } from '../workflows/admin';
import type { RouterFactory } from './index';

const workflowSummary = z.object({
  workflowId: z.string(),
  runId: z.string(),
  type: z.string(),
  status: z.string().describe('RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT'),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
  kind: z.string().nullable().describe('CohortKind search attribute'),
  phase: z.string().nullable().describe('CohortPhase search attribute: where the workflow stands'),
  userId: z.string().nullable(),
  track: z.string().nullable(),
  temporalUiUrl: z.string().describe("The run's page in the Temporal UI (TEMPORAL_UI_URL)"),
});
const workflowDetail = workflowSummary.extend({
  query: z.unknown().describe("The workflow's `status` query answer, null when it could not answer in time"),
});

/** Ops' window onto Temporal from the admin API: one workflow, or every workflow of a user. */
export const createAdminWorkflowsRouter: RouterFactory = (deps, registry) => {
  const api = new ApiRouter(registry);
  const adminOnly = [requireUser({ roles: ['admin'] })];

  api.route(
    {
      method: 'get',
      path: '/api/admin/workflows/:workflowId',
      summary: "A workflow's type, status, times, `status` query answer and Temporal UI link",
      tags: ['Operations'],
      secured: true,
      params: z.object({ workflowId: noControlCharacters(z.string().min(1).max(400)) }),
      responses: {
        200: { description: 'The latest run of the workflow', schema: workflowDetail },
        404: problem('No workflow has this id'),
      },
    },
    adminOnly,
    async ({ params }, _req, res) => {
      res.json(await describeWorkflow(deps, params.workflowId));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/admin/users/:id/workflows',
      summary: 'Every workflow of a user (by the CohortUserId search attribute), newest first',
      tags: ['Operations'],
      secured: true,
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: "The user's workflows", schema: z.array(workflowSummary) } },
    },
    adminOnly,
    async ({ params }, _req, res) => {
      res.json(await listUserWorkflows(deps, params.id));
    },
  );

  return { router: api.router };
};
