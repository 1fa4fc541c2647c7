import { expectStatus } from './runner';
import type { DemoStage } from './types';

/**
 * Ops' view of the journey, last: every workflow the demo ran for its student, each with
 * its Temporal UI link, through the admin workflow lookup.
 * Reads: ctx.state.userId (the demo student), ctx.state.adminToken (an admin).
 */
export const stages: DemoStage[] = [
  {
    name: "student's workflows listed with Temporal UI links",
    async run(ctx) {
      const token = ctx.state.adminToken as string;
      const path = `/api/admin/users/${ctx.state.userId}/workflows`;
      // Visibility trails the runs by a moment.
      const items = await ctx.waitFor('the student’s workflows in Temporal visibility', async () => {
        const res = await ctx.request('GET', path, { token });
        expectStatus(res, 200, `GET ${path}`);
        return Array.isArray(res.body) && res.body.length > 0 ? (res.body as WorkflowSummary[]) : undefined;
      });
      for (const w of items) ctx.note?.(`${w.type} ${w.status}${w.phase ? ` (${w.phase})` : ''}  ${w.temporalUiUrl}`);
      const one = await ctx.request('GET', `/api/admin/workflows/${encodeURIComponent(items[0]!.workflowId)}`, {
        token,
      });
      expectStatus(one, 200, 'GET /api/admin/workflows/:workflowId');
    },
  },
];

interface WorkflowSummary {
  workflowId: string;
  type: string;
  status: string;
  phase: string | null;
  temporalUiUrl: string;
}
