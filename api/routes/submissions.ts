import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createGitHubRepoChecker } from '../../lib/adapters/github';
import { curriculumRepo } from '../../lib/db/repositories/curriculum';
import { progressRepo } from '../../lib/db/repositories/progress';
import { submissionsRepo } from '../../lib/db/repositories/submissions';
import { errors } from '../../lib/errors';
import { createSubmission } from '../../lib/learning/create-submission';
import { requireEnrollment } from '../../lib/learning/require-enrollment';
import { requireProjectInTrack } from '../../lib/learning/require-project-in-track';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { audited } from '../http/audit';
import { ApiRouter } from '../http/route';
import { freeText } from '../http/text';
import { webUrl } from '../http/url';
import { awaitSubmission, startSubmission } from '../workflows/submission';
import { createReviewRoute } from './review';
import type { RouterFactory } from './index';
import { submissionView, toSubmission } from './submission-view';
import { submissionStatusSchema } from '../../lib/domain/index';

/**
 * Exactly `https://github.com/<owner>/<repo>` under GitHub's rules for owner and repository
 * names: ASCII only (no lookalike hosts), no userinfo, port, query, fragment, trailing slash
 * or further path. A clone URL (`….git`) is refused rather than rewritten: GitHub allows no
 * repository name ending in `.git`, and the stored URL should be the one the student gave.
 */
const GITHUB_REPO = /^https:\/\/github\.com\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?)\/([A-Za-z0-9._-]{1,100})$/;
const namesARepository = (url: string) => !/\/\.+$/.test(url) && !/\.git$/i.test(url);

const submissionBody = z
  .object({
    deliverableId: z.uuid(),
    repoUrl: z
      .string()
      .max(300)
      .regex(GITHUB_REPO, 'must be https://github.com/<owner>/<repo>')
      .refine(namesARepository, 'must name a repository (without .git)')
      .optional(),
    deploymentUrl: webUrl.optional(),
    notes: freeText(5000).optional(),
  })
  .refine((b) => b.repoUrl || b.deploymentUrl, { message: 'repoUrl or deploymentUrl is required', path: ['repoUrl'] });

export const createSubmissionsRouter: RouterFactory = (deps, registry) => {
  const { knex, config } = deps;
  const api = new ApiRouter(registry);
  const github = config.GITHUB_VERIFY_REPOS ? createGitHubRepoChecker(config) : undefined;

  api.route(
    {
      method: 'post',
      path: '/api/projects/:projectId/submissions',
      summary: 'Submit a deliverable of a started project',
      tags: ['Submissions'],
      secured: true,
      params: z.object({ projectId: z.uuid() }),
      body: submissionBody,
      responses: { 201: { description: 'The submission', schema: submissionView } },
    },
    [
      requireUser({ roles: ['student'] }),
      audited(knex, 'submission.create', { resource: (req) => `project:${String(req.params.projectId)}` }),
    ],
    async ({ params, body }, req, res) => {
      const { user } = currentAuth(req);
      const enrollment = await requireEnrollment(knex, user.id);
      if (enrollment.status !== 'ENROLLED') throw errors.conflict('Your enrollment is not active.');
      const project = await requireProjectInTrack(knex, enrollment, params.projectId);
      if (!(await curriculumRepo.isDeliverableOf(knex, body.deliverableId, project.id)))
        throw errors.validation('The request body is not valid.', [
          { path: 'deliverableId', message: 'not a deliverable of this project' },
        ]);
      const progress = await progressRepo.find(knex, user.id, project.id);
      if (!progress || progress.status === 'LOCKED') throw errors.conflict('This project is locked.');
      if (progress.status === 'COMPLETED') throw errors.conflict('This project is already completed.');
      if (github && body.repoUrl) {
        const [, owner, repo] = GITHUB_REPO.exec(body.repoUrl)!;
        let exists: boolean;
        try {
          exists = await github.repoExists(owner!, repo!);
        } catch (error) {
          req.log?.warn({ err: error }, 'GitHub repository check failed');
          throw errors.unavailable('GitHub could not be asked whether the repository exists; try again shortly.');
        }
        if (!exists)
          throw errors.validation('The request body is not valid.', [
            { path: 'repoUrl', message: 'repository not found on GitHub (or not public)' },
          ]);
      }

      // The row commits only if the workflow that sends its follow-ups has started (convention 11).
      const id = randomUUID();
      const row = await knex.transaction(async (trx) => {
        const inserted = await createSubmission(trx, progress.id, {
          id,
          userId: user.id,
          projectId: project.id,
          deliverableId: body.deliverableId,
          repoUrl: body.repoUrl ?? null,
          deploymentUrl: body.deploymentUrl ?? null,
          notes: body.notes ?? null,
        });
        await startSubmission(deps, {
          submissionId: id,
          userId: user.id,
          projectId: project.id,
          track: enrollment.trackCode,
        });
        return inserted;
      });
      // Brief wait so the progress the student reads next already says SUBMITTED.
      await awaitSubmission(deps, id, 5000);
      res.status(201).json(toSubmission(row));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/submissions',
      summary: 'Submissions: own (student), assigned students (trainer), all (admin)',
      tags: ['Submissions'],
      secured: true,
      query: z.object({
        projectId: z.uuid().optional(),
        userId: z.uuid().optional(),
        status: submissionStatusSchema.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(200),
      }),
      responses: { 200: { description: 'Submissions, newest first', schema: z.array(submissionView) } },
    },
    [requireUser()],
    async ({ query }, req, res) => {
      const { user } = currentAuth(req);
      const role = hasRole(user, 'admin') ? 'admin' : user.role;
      const rows = await submissionsRepo.listVisible(knex, { id: user.id, role }, query);
      res.json(rows.map(toSubmission));
    },
  );

  createReviewRoute(api, deps);
  return { router: api.router };
};
