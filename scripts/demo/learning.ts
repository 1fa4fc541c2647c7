import { expectStatus, reviewerToken, studentToken } from './runner';
import type { DemoContext, DemoStage } from './types';
import { workspaceCredentialsStage, workspaceDeprovisionedStage } from './workspace';

/**
 * The learning loop (API.md, "Curriculum, progress, submissions"). Runs after the
 * accounts and payments stages and reads from `ctx.state`:
 * - `studentToken` (or accounts' `token`): the enrolled student;
 * - `trainerToken`, else `adminToken`: who reviews (an admin may review any submission).
 * Leaves `track`, `firstProjectId`, `secondProjectId` and `submissionIds` in the state.
 */
const progress = async (ctx: DemoContext) => {
  const res = await ctx.request('GET', '/api/progress', { token: studentToken(ctx) });
  expectStatus(res, [200], 'GET /api/progress');
  return res.body as { track: string; projects: { projectId: string; status: string; required: boolean }[] };
};

export const stages: DemoStage[] = [
  {
    name: 'project 1 started',
    async run(ctx) {
      // Onboarding unlocks project 1 in its workflow: wait for it rather than race it.
      const first = await ctx.waitFor(
        'project 1 unlocked',
        async () => {
          const current = await progress(ctx).catch(() => undefined);
          const project = current?.projects[0];
          return project && project.status !== 'LOCKED' ? { track: current.track, project } : undefined;
        },
        30_000,
      );
      const started = await ctx.request('POST', `/api/projects/${first.project.projectId}/start`, {
        token: studentToken(ctx),
      });
      expectStatus(started, [200], 'POST /api/projects/:id/start');
      if (started.body.status !== 'IN_PROGRESS') throw new Error(`project 1 is ${started.body.status} after starting`);
      const required = (await progress(ctx)).projects.filter((p) => p.required);
      Object.assign(ctx.state, {
        track: first.track,
        firstProjectId: first.project.projectId,
        secondProjectId: required[1]?.projectId,
      });
    },
  },
  workspaceCredentialsStage,
  {
    name: 'submission reviewed',
    async run(ctx) {
      const track = await ctx.request('GET', `/api/tracks/${ctx.state.track}`);
      expectStatus(track, [200], 'GET /api/tracks/:code');
      const project = track.body.projects.find((p: any) => p.id === ctx.state.firstProjectId);
      const submissionIds: string[] = [];
      for (const [n, step] of project.steps.entries()) {
        expectStatus(
          await ctx.request('POST', `/api/steps/${step.id}/complete`, { token: studentToken(ctx) }),
          [200],
          'POST /api/steps/:id/complete',
        );
        for (const deliverable of step.deliverables) {
          const submitted = await ctx.request('POST', `/api/projects/${project.id}/submissions`, {
            token: studentToken(ctx),
            body: {
              deliverableId: deliverable.id,
              repoUrl: `https://github.com/cohort-demo/${project.slug}-${n + 1}`,
              notes: 'Demo submission.',
            },
          });
          expectStatus(submitted, [201], 'POST /api/projects/:id/submissions');
          submissionIds.push(submitted.body.id);
          const reviewed = await ctx.request('POST', `/api/submissions/${submitted.body.id}/review`, {
            token: reviewerToken(ctx),
            body: { decision: 'APPROVED', feedback: 'Clear and complete. Well done.' },
          });
          expectStatus(reviewed, [200, 202], 'POST /api/submissions/:id/review');
        }
      }
      ctx.state.submissionIds = submissionIds;
      const listed = await ctx.request('GET', '/api/submissions', { token: studentToken(ctx) });
      expectStatus(listed, [200], 'GET /api/submissions');
      await ctx.waitFor(
        'every submission approved',
        async () => {
          const mine = (
            await ctx.request('GET', `/api/submissions?projectId=${project.id}`, { token: studentToken(ctx) })
          ).body as { id: string; status: string }[];
          return submissionIds.every((id) => mine.find((s) => s.id === id)?.status === 'APPROVED') ? true : undefined;
        },
        30_000,
      );
    },
  },
  {
    name: 'project 2 unlocked',
    async run(ctx) {
      await ctx.waitFor(
        'project 1 completed and project 2 unlocked',
        async () => {
          const projects = (await progress(ctx)).projects;
          const first = projects.find((p) => p.projectId === ctx.state.firstProjectId);
          const second = projects.find((p) => p.projectId === ctx.state.secondProjectId);
          return first?.status === 'COMPLETED' && second?.status === 'UNLOCKED' ? true : undefined;
        },
        30_000,
      );
      if (ctx.state.adminToken) {
        const emails = await ctx.request('GET', '/api/admin/emails?template=project-unlocked', {
          token: ctx.state.adminToken,
        });
        expectStatus(emails, [200], 'GET /api/admin/emails');
      }
    },
  },
  workspaceDeprovisionedStage,
];
