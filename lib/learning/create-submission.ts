import type { Db } from '../db/knex';
import { progressRepo } from '../db/repositories/progress';
import { submissionsRepo, type SubmissionRow } from '../db/repositories/submissions';
import { errors } from '../errors';

export type NewSubmission = Pick<
  SubmissionRow,
  'id' | 'userId' | 'projectId' | 'deliverableId' | 'repoUrl' | 'deploymentUrl' | 'notes'
>;

/**
 * Writes a submission unless one of the same deliverable still awaits review. Run it in
 * the transaction that starts the submission's workflow (convention 11).
 */
export async function createSubmission(db: Db, progressId: string, submission: NewSubmission): Promise<SubmissionRow> {
  // The progress row lock serializes this student's submissions to the project.
  await progressRepo.lock(db, progressId);
  if (await submissionsRepo.awaitsReview(db, submission.userId, submission.deliverableId))
    throw errors.conflict('This deliverable already awaits review.');
  return submissionsRepo.insert(db, submission);
}
