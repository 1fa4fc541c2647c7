import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from '../lib/db/knex';
import { progressRepo } from '../lib/db/repositories/progress';
import type { TrackCode } from '../lib/domain/tracks';
import { loadSubmissionFacts } from '../lib/learning/load-submission-facts';
import { lockProgressRow, lockSubmissionRow } from '../lib/learning/lock-committed-rows';
import { recordCertificationHandover } from '../lib/learning/record-certification-handover';
import { settleProject } from '../lib/learning/settle-project';
import { settleReview, type ReviewSettlement } from '../lib/learning/settle-review';
import { unlockNextProject, type NextProjects } from '../lib/learning/unlock-next-project';
import { workflowIds } from '../lib/temporal/ids';

export type { UnlockedProject } from '../lib/learning/unlocked-project';
export type { ReviewSettlement } from '../lib/learning/settle-review';

export interface LearningActivityDeps {
  knex: Knex;
}

export interface SubmissionFacts {
  userId: string;
  projectId: string;
  projectTitle: string;
  deliverableTitle: string;
}
export interface ReviewFacts extends SubmissionFacts {
  track: TrackCode;
  approved: boolean;
}

/**
 * The follow-ups of submissions and reviews. The API commits the submission or review
 * in the transaction that starts the workflow, and these activities first take a lock
 * that transaction holds: they wait for its commit, then see the row, or see nothing
 * if it rolled back.
 */
export function createLearningActivities({ knex }: LearningActivityDeps) {
  return {
    /** Idempotent: the project moves to SUBMITTED (if it was not already past it). */
    async recordSubmission(input: {
      submissionId: string;
      userId: string;
      projectId: string;
    }): Promise<SubmissionFacts> {
      return knex.transaction(async (trx) => {
        await lockProgressRow(trx, input.userId, input.projectId);
        const facts = await loadSubmissionFacts(trx, input.submissionId);
        if (!facts) throw ApplicationFailure.nonRetryable('The submission was not committed.', 'SubmissionNotFound');
        if (facts.status === 'SUBMITTED')
          await progressRepo.transition(trx, input.userId, input.projectId, ['UNLOCKED', 'IN_PROGRESS'], 'SUBMITTED');
        return {
          userId: facts.userId,
          projectId: facts.projectId,
          projectTitle: facts.projectTitle,
          deliverableTitle: facts.deliverableTitle,
        };
      });
    },

    /**
     * Idempotent, one transaction: waits for the API's review commit, then settles the
     * project, unlocks what follows and hands a finished track to certification. Run as a
     * local activity: the trainer waits on it behind the API.
     */
    async settleReview(input: { submissionId: string }): Promise<ReviewSettlement> {
      const settled = await knex.transaction((trx) => settleReview(trx, input.submissionId));
      if (settled === 'not-recorded')
        throw ApplicationFailure.nonRetryable('The review was not committed.', 'ReviewNotRecorded');
      if (settled === 'unknown-project') throw ApplicationFailure.nonRetryable('Unknown project.', 'ProjectNotFound');
      return settled;
    },

    /**
     * Reads the review the API committed (waiting on its row lock); read-only, so idempotent.
     * Superseded by settleReview; kept for review runs recorded before it (they replay and may still call it),
     * as are the three activities below.
     */
    async loadReview(input: { submissionId: string }): Promise<ReviewFacts> {
      return knex.transaction(async (trx) => {
        await lockSubmissionRow(trx, input.submissionId);
        const facts = await loadSubmissionFacts(trx, input.submissionId);
        if (!facts || facts.status === 'SUBMITTED')
          throw ApplicationFailure.nonRetryable('The review was not committed.', 'ReviewNotRecorded');
        const { status, ...rest } = facts;
        return { ...rest, approved: status === 'APPROVED' };
      });
    },

    /** Idempotent: COMPLETED when every required deliverable is approved, else IN_PROGRESS once nothing awaits review. */
    async settleProjectAfterReview(input: { userId: string; projectId: string }): Promise<{ completed: boolean }> {
      return settleProject(knex, input.userId, input.projectId);
    },

    /** Idempotent: the next required project and the optional ones before it; says whether the track is done. */
    async unlockNextProject(input: { userId: string; projectId: string }): Promise<NextProjects> {
      const unlocked = await unlockNextProject(knex, input.userId, input.projectId);
      if (!unlocked) throw ApplicationFailure.nonRetryable('Unknown project.', 'ProjectNotFound');
      return unlocked;
    },

    /** Idempotent: records that certification (this workflow id) is due. */
    async handOverToCertification(input: { userId: string; track: TrackCode }): Promise<{ workflowId: string }> {
      const workflowId = workflowIds.certificate(input.userId, input.track);
      await recordCertificationHandover(knex, input.userId, input.track, workflowId);
      return { workflowId };
    },
  };
}
