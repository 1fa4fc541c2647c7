import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { submissionsRepo } from '../../lib/db/repositories/submissions';
import { errors } from '../../lib/errors';
import { recordReview } from '../../lib/learning/record-review';
import { workflowIds } from '../../lib/temporal/ids';
import type { TrackCode } from '../../lib/domain/tracks';
import { cohortSearchAttributes } from '../../lib/temporal/search-attributes';
import type { review as reviewWorkflow, ReviewWorkflowResult } from '../../workflows/review';
import type { AppDeps } from '../deps';
import { currentAuth, hasRole, requireUser } from '../http/auth';
import { audited } from '../http/audit';
import type { ApiRouter } from '../http/route';
import { freeText } from '../http/text';
import { waitBriefly } from '../http/workflow-wait';
import { submissionView, toSubmission } from './submission-view';
import { reviewDecisionSchema } from '../../lib/domain/index';

const reviewBody = z.object({
  decision: reviewDecisionSchema,
  feedback: freeText(10_000).trim().min(1),
});

const outcome = z.object({
  approved: z.boolean(),
  projectCompleted: z.boolean(),
  unlockedProjectId: z.uuid().nullable(),
  certificationWorkflowId: z.string().nullable(),
});

/** POST /api/submissions/:id/review: the assigned trainer (or an admin) reviews; one workflow per review. */
export function createReviewRoute(api: ApiRouter, { knex, temporal, taskQueues }: AppDeps): void {
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
          description: 'Reviewed, with every follow-up done',
          schema: z.object({ submission: submissionView, outcome }),
        },
        202: {
          description: 'Reviewed; follow-ups still running (status RUNNING) or failed (FAILED)',
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

      const workflowId = workflowIds.review(params.id);
      // The review commits only once its workflow has started; the workflow waits on this row lock.
      if (!repeated)
        await knex.transaction(async (trx) => {
          await recordReview(trx, params.id, { decision: body.decision, feedback: body.feedback, reviewerId: user.id });
          try {
            await temporal.workflow.start<typeof reviewWorkflow>('review', {
              args: [{ submissionId: params.id }],
              taskQueue: taskQueues.default,
              workflowId,
              // A failed run (its review rolled back) may be replaced; a completed one never.
              workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
              typedSearchAttributes: cohortSearchAttributes('review', found.userId, found.trackCode as TrackCode),
            });
          } catch (error) {
            if (error instanceof WorkflowExecutionAlreadyStartedError)
              throw errors.conflict('This submission has already been reviewed.');
            throw error;
          }
        });

      let waited;
      try {
        waited = await waitBriefly<ReviewWorkflowResult>(temporal.workflow.getHandle(workflowId));
      } catch (error) {
        // A repeat whose workflow has aged out of Temporal's retention has nothing left to answer for.
        if (repeated && error instanceof WorkflowNotFoundError)
          throw errors.conflict('This submission has already been reviewed.');
        // The review stands (it is committed); its follow-ups failed, for ops to see in Temporal.
        if (error instanceof WorkflowFailedError) {
          req.log?.warn({ workflowId }, 'review follow-ups failed');
          res.status(202).json({ workflowId, status: 'FAILED' });
          return;
        }
        throw error;
      }
      if (!waited.done) {
        res.status(202).json({ workflowId, status: 'RUNNING' });
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
