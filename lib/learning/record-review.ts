import type { Db } from '../db/knex';
import { submissionsRepo } from '../db/repositories/submissions';
import type { ReviewDecision } from '../domain/submissions';
import { errors } from '../errors';

/**
 * Records a trainer's review of a submission that awaits one, else a conflict. Run it in
 * the transaction that starts the review's workflow, which waits on this row lock.
 */
export async function recordReview(
  db: Db,
  submissionId: string,
  review: { decision: ReviewDecision; feedback: string; reviewerId: string },
): Promise<void> {
  if (!(await submissionsRepo.review(db, submissionId, review)))
    throw errors.conflict('This submission has already been reviewed.');
}
