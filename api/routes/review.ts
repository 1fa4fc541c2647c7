import { z } from 'zod';
import { submissionsRepo } from '../../lib/db/repositories/submissions';
import { errors } from '../../lib/errors';
import { recordReview } from '../../lib/learning/record-review';
import type { TrackCode } from '../../lib/domain/tracks';
import type { AppDeps } from '../deps';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { audited } from '../http/audit';
import type { ApiRouter } from '../http/route';
import { freeText } from '../http/text';
import { awaitReview, startReview } from '../workflows/review';
import { submissionView, toSubmission } from './submission-view';
import { reviewDecisionSchema } from '../../lib/domain/index';

const reviewBody = z.object({
  decision: reviewDecisionSchema,
  feedback: freeText(10_000, { trim: true }).min(1),
});

const outcome = z.object({
  approved: z.boolean(),
  projectCompleted: z.boolean(),
  unlockedProjectId: z.uuid().nullable(),
  certificationWorkflowId: z.string().nullable(),
});

/**
 * POST /api/submissions/:id/review: the assigned trainer (or an admin) reviews; one workflow
 * per review. Answers once the review's settlement is committed, not after its emails.
 */
export function createReviewRoute(api: ApiRouter, deps: AppDeps): void {
  const { knex } = deps;
  api.route(
    {
      method: 'post',
      path: '/api/submissions/:id/review',
      summary: 'Approve a submission or request changes',
      tags: ['Submissions'],
      secured: true,
      params: z.object({ id: z.uuid() }),
      body: reviewBody,
      responses: {
        200: {
          description:
            'Reviewed and settled: the project completed (or not), the next one unlocked and a finished track handed ' +
            'to certification; the emails about it follow',
          schema: z.object({ submission: submissionView, outcome }),
        },
        202: {
          description: 'Reviewed; the settlement is still running (status RUNNING) or failed (FAILED)',
          schema: z.object({ workflowId: z.string(), status: z.string() }),
        },
      },
    },
    [
      requireUser({ roles: ['trainer', 'admin'] }),
      audited(knex, 'submission.review', { resource: (req) => `submission:${String(req.params.id)}` }),
    ],
    async ({ params, body }, req, res) => {
      const { user } = currentAuth(req);
      const found = await submissionsRepo.reviewTarget(knex, params.id);
      if (!found) throw errors.notFound('Submission');
      if (!hasRole(user, 'admin') && found.trainerUserId !== user.id)
        throw errors.forbidden('You are not the trainer assigned to this student.');
      // The same review sent again (a client retry) lands on its workflow; any other review of it is a conflict.
      const repeated =
        found.status === body.decision && found.reviewerId === user.id && found.feedback === body.feedback;
      if (found.status !== 'SUBMITTED' && !repeated)
        throw errors.conflict('This submission has already been reviewed.');

      // The review commits only once its workflow has started; the workflow waits on this row lock.
      if (!repeated)
        await knex.transaction(async (trx) => {
          await recordReview(trx, params.id, { decision: body.decision, feedback: body.feedback, reviewerId: user.id });
          await startReview(deps, {
            submissionId: params.id,
            userId: found.userId,
            track: found.trackCode as TrackCode,
          });
        });

      const waited = await awaitReview(deps, params.id, repeated);
      if (waited.status === 'FAILED') req.log?.warn({ workflowId: waited.workflowId }, 'review settlement failed');
      if (waited.status !== 'DONE') {
        res.status(202).json({ workflowId: waited.workflowId, status: waited.status });
        return;
      }
      const { approved, projectCompleted, unlockedProjectId, certificationWorkflowId } = waited.result;
      const row = await submissionsRepo.findById(knex, params.id);
      res.json({
        submission: toSubmission(row!),
        outcome: { approved, projectCompleted, unlockedProjectId, certificationWorkflowId },
      });
    },
  );
}
