import { z } from 'zod';
import type { Knex } from '../../lib/db/knex';
import { progressRepo, type ActiveEnrollment, type ProgressRow } from '../../lib/db/repositories/progress';
import { errors } from '../../lib/errors';
import { currentAuth, requireUser } from '../http/auth';
import { ApiRouter } from '../http/route';
import type { RouterFactory } from './index';
import { progressStatusSchema } from '../../lib/domain/index';

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
const progressView = z.object({ track: z.string(), enrollmentStatus: z.string(), projects: z.array(projectProgress) });

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

/** The caller's enrollment; a student without one has no progress to show (404). */
export async function requireEnrollment(knex: Knex, userId: string): Promise<ActiveEnrollment> {
  const enrollment = await progressRepo.activeEnrollment(knex, userId);
  if (!enrollment) throw errors.notFound('Enrollment');
  return enrollment;
}

/** A project of the student's own track, else 404 (never confirm other tracks' ids matter). */
export async function projectInTrack(knex: Knex, enrollment: ActiveEnrollment, projectId: string) {
  const project = await knex('projects')
    .where({ id: projectId, trackCode: enrollment.trackCode })
    .first('id', 'position', 'title', 'required', 'trackCode');
  if (!project) throw errors.notFound('Project');
  return project as { id: string; position: number; title: string; required: boolean; trackCode: string };
}

async function stepIdsDone(knex: Knex, userId: string, projectId: string): Promise<string[]> {
  const rows = await knex('step_completions as sc')
    .join('steps as s', 's.id', 'sc.stepId')
    .where({ 'sc.userId': userId, 's.projectId': projectId })
    .orderBy('s.position')
    .select('sc.stepId');
  return rows.map((r: { stepId: string }) => r.stepId);
}

export const createProgressRouter: RouterFactory = ({ knex }, registry) => {
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
      const [projects, rows, steps] = await Promise.all([
        knex('projects')
          .where({ trackCode: enrollment.trackCode })
          .orderBy('position')
          .select('id', 'position', 'title', 'required'),
        progressRepo.listForUser(knex, user.id),
        knex('step_completions as sc')
          .join('steps as s', 's.id', 'sc.stepId')
          .where({ 'sc.userId': user.id })
          .orderBy('s.position')
          .select('sc.stepId', 's.projectId'),
      ]);
      res.json({
        track: enrollment.trackCode,
        enrollmentStatus: enrollment.status,
        projects: projects.map((p: { id: string; position: number; title: string; required: boolean }) =>
          toProjectProgress(
            p,
            rows.find((r) => r.projectId === p.id),
            steps.filter((s: { projectId: string }) => s.projectId === p.id).map((s: { stepId: string }) => s.stepId),
          ),
        ),
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
      const project = await projectInTrack(knex, enrollment, params.projectId);
      const current = await progressRepo.find(knex, user.id, project.id);
      if (!current || current.status === 'LOCKED') throw errors.conflict('This project is locked.');
      await progressRepo.transition(knex, user.id, project.id, ['UNLOCKED'], 'IN_PROGRESS');
      res.json(
        toProjectProgress(
          project,
          await progressRepo.find(knex, user.id, project.id),
          await stepIdsDone(knex, user.id, project.id),
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
      const step = await knex('steps').where({ id: params.stepId }).first('id', 'projectId');
      if (!step) throw errors.notFound('Step');
      const project = await projectInTrack(knex, enrollment, step.projectId);
      const current = await progressRepo.find(knex, user.id, project.id);
      if (!current || current.status === 'LOCKED') throw errors.conflict('This project is locked.');
      const completedAt = await knex.transaction(async (trx) => {
        await trx('step_completions')
          .insert({ userId: user.id, stepId: step.id })
          .onConflict(['userId', 'stepId'])
          .ignore();
        // Working on a step means the project has started.
        await progressRepo.transition(trx, user.id, project.id, ['UNLOCKED'], 'IN_PROGRESS');
        return (await trx('step_completions').where({ userId: user.id, stepId: step.id }).first('completedAt'))
          .completedAt as Date;
      });
      res.json({ stepId: step.id, projectId: project.id, completedAt: completedAt.toISOString() });
    },
  );

  return { router: api.router };
};
