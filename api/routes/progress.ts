import { z } from 'zod';
import { curriculumRepo } from '../../lib/db/repositories/curriculum';
import { progressRepo, type ProgressRow } from '../../lib/db/repositories/progress';
import { errors } from '../../lib/errors';
import { completeStep } from '../../lib/learning/complete-step';
import { workspacesRepo } from '../../lib/db/repositories/workspaces';
import { startProject } from '../../lib/learning/start-project';
import { startWorkspace } from '../workflows/workspace';
import { requireEnrollment } from '../../lib/learning/require-enrollment';
import { requireProjectInTrack } from '../../lib/learning/require-project-in-track';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import type { RouterFactory } from './index';
import { progressStatusSchema, workspaceStatusSchema } from '../../lib/domain/index';

const projectProgress = z.object({
  projectId: z.uuid(),
  position: z.number().int(),
  title: z.string(),
  required: z.boolean(),
  status: progressStatusSchema,
  unlockedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  completedStepIds: z.array(z.uuid()),
});
const workspaceView = z
  .object({ status: workspaceStatusSchema, provisionedAt: z.string().nullable(), expiresAt: z.string().nullable() })
  .nullable();
const progressView = z.object({
  track: z.string(),
  enrollmentStatus: z.string(),
  projects: z.array(projectProgress),
  /** DP: the student's database workspace, from the start of project 1; null when none. */
  workspace: workspaceView,
});

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toProjectProgress(
  project: { id: string; position: number; title: string; required: boolean },
  row: ProgressRow | undefined,
  completedStepIds: string[],
) {
  return {
    projectId: project.id,
    position: project.position,
    title: project.title,
    required: project.required,
    status: row?.status ?? 'LOCKED',
    unlockedAt: iso(row?.unlockedAt),
    startedAt: iso(row?.startedAt),
    submittedAt: iso(row?.submittedAt),
    completedAt: iso(row?.completedAt),
    completedStepIds,
  };
}

export const createProgressRouter: RouterFactory = (deps, registry) => {
  const { knex } = deps;
  const api = new ApiRouter(registry);
  const student = requireUser({ roles: ['student'] });

  api.route(
    {
      method: 'get',
      path: '/api/progress',
      summary: "The student's progress through their track",
      tags: ['Progress'],
      secured: true,
      responses: { 200: { description: 'Progress per project', schema: progressView } },
    },
    [student],
    async (_input, req, res) => {
      const { user } = currentAuth(req);
      const enrollment = await requireEnrollment(knex, user.id);
      const [projects, rows, steps, workspace] = await Promise.all([
        curriculumRepo.listProjects(knex, enrollment.trackCode),
        progressRepo.listForUser(knex, user.id),
        progressRepo.listStepCompletions(knex, user.id),
        workspacesRepo.findForUser(knex, user.id),
      ]);
      res.json({
        track: enrollment.trackCode,
        enrollmentStatus: enrollment.status,
        projects: projects.map((p) =>
          toProjectProgress(
            p,
            rows.find((r) => r.projectId === p.id),
            steps.filter((s) => s.projectId === p.id).map((s) => s.stepId),
          ),
        ),
        workspace: workspace
          ? {
              status: workspace.status,
              provisionedAt: iso(workspace.provisionedAt),
              expiresAt: iso(workspace.expiresAt),
            }
          : null,
      });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/projects/:projectId/start',
      summary: 'Start an unlocked project',
      tags: ['Progress'],
      secured: true,
      params: z.object({ projectId: z.uuid() }),
      responses: { 200: { description: "The project's progress", schema: projectProgress } },
    },
    [student],
    async ({ params }, req, res) => {
      const { user } = currentAuth(req);
      const enrollment = await requireEnrollment(knex, user.id);
      const project = await requireProjectInTrack(knex, enrollment, params.projectId);
      const current = await progressRepo.find(knex, user.id, project.id);
      if (!current || current.status === 'LOCKED') throw errors.conflict('This project is locked.');
      // DP project 1 comes with a workspace: its workflow starts before the start commits (convention 11).
      await knex.transaction(async (trx) => {
        await progressRepo.lock(trx, current.id);
        const started = await startProject(trx, user.id, project);
        if (started.startWorkspace) await startWorkspace(deps, { userId: user.id });
      });
      res.json(
        toProjectProgress(
          project,
          await progressRepo.find(knex, user.id, project.id),
          await progressRepo.completedStepIdsIn(knex, user.id, project.id),
        ),
      );
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/steps/:stepId/complete',
      summary: 'Mark a step of a started project as done',
      tags: ['Progress'],
      secured: true,
      params: z.object({ stepId: z.uuid() }),
      responses: {
        200: {
          description: 'The completion',
          schema: z.object({ stepId: z.uuid(), projectId: z.uuid(), completedAt: z.string() }),
        },
      },
    },
    [student],
    async ({ params }, req, res) => {
      const { user } = currentAuth(req);
      const enrollment = await requireEnrollment(knex, user.id);
      const step = await curriculumRepo.findStep(knex, params.stepId);
      if (!step) throw errors.notFound('Step');
      const project = await requireProjectInTrack(knex, enrollment, step.projectId);
      const current = await progressRepo.find(knex, user.id, project.id);
      if (!current || current.status === 'LOCKED') throw errors.conflict('This project is locked.');
      const completedAt = await knex.transaction((trx) =>
        completeStep(trx, user.id, { id: step.id, projectId: project.id }),
      );
      res.json({ stepId: step.id, projectId: project.id, completedAt: completedAt.toISOString() });
    },
  );

  return { router: api.router };
};
