import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from '../lib/db/knex';
import { progressRepo } from '../lib/db/repositories/progress';
import type { TrackCode } from '../lib/domain/tracks';
import { workflowIds } from '../lib/temporal/ids';

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
export interface UnlockedProject {
  projectId: string;
  projectTitle: string;
  newlyUnlocked: boolean;
}

const submissionFacts = (knex: Knex, submissionId: string) =>
  knex('submissions as s')
    .join('projects as p', 'p.id', 's.projectId')
    .join('deliverables as d', 'd.id', 's.deliverableId')
    .where('s.id', submissionId)
    .first(
      's.userId',
      's.projectId',
      's.status',
      'p.title as projectTitle',
      'p.trackCode as track',
      'd.title as deliverableTitle',
    );

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
        await trx('student_progress')
          .where({ userId: input.userId, projectId: input.projectId })
          .forUpdate()
          .first('id');
        const facts = await submissionFacts(trx as unknown as Knex, input.submissionId);
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

    /** Reads the review the API committed (waiting on its row lock); read-only, so idempotent. */
    async loadReview(input: { submissionId: string }): Promise<ReviewFacts> {
      return knex.transaction(async (trx) => {
        await trx('submissions').where({ id: input.submissionId }).forShare().first('id');
        const facts = await submissionFacts(trx as unknown as Knex, input.submissionId);
        if (!facts || facts.status === 'SUBMITTED')
          throw ApplicationFailure.nonRetryable('The review was not committed.', 'ReviewNotRecorded');
        const { status, ...rest } = facts;
        return { ...rest, approved: status === 'APPROVED' };
      });
    },

    /**
     * Idempotent: COMPLETED when every required deliverable of the project has an approved
     * submission; otherwise back to IN_PROGRESS once nothing awaits review.
     */
    async settleProjectAfterReview(input: { userId: string; projectId: string }): Promise<{ completed: boolean }> {
      const missing = await knex('deliverables as d')
        .join('steps as st', 'st.id', 'd.stepId')
        .where({ 'st.projectId': input.projectId, 'd.required': true })
        .whereNotExists((q) =>
          q
            .select(knex.raw('1'))
            .from('submissions as s')
            .whereRaw('s.deliverable_id = d.id')
            .where({ 's.userId': input.userId, 's.status': 'APPROVED' }),
        )
        .count({ n: '*' })
        .first();
      if (Number(missing?.n) === 0) {
        await progressRepo.transition(
          knex,
          input.userId,
          input.projectId,
          ['UNLOCKED', 'IN_PROGRESS', 'SUBMITTED'],
          'COMPLETED',
        );
        return { completed: true };
      }
      const pending = await knex('submissions')
        .where({ userId: input.userId, projectId: input.projectId, status: 'SUBMITTED' })
        .first('id');
      if (!pending) await progressRepo.transition(knex, input.userId, input.projectId, ['SUBMITTED'], 'IN_PROGRESS');
      return { completed: false };
    },

    /**
     * Idempotent: unlocks the next required project, and alongside it every optional
     * project placed before it (or after the last required one), so students may take
     * those on without them ever blocking the track; says whether the whole track is done.
     */
    async unlockNextProject(input: { userId: string; projectId: string }): Promise<{
      next: UnlockedProject | null;
      optional: UnlockedProject[];
      trackCompleted: boolean;
    }> {
      const current = await knex('projects').where({ id: input.projectId }).first('trackCode', 'position');
      if (!current) throw ApplicationFailure.nonRetryable('Unknown project.', 'ProjectNotFound');
      const nextProject = await knex('projects')
        .where({ trackCode: current.trackCode, required: true })
        .where('position', '>', current.position)
        .orderBy('position')
        .first('id', 'title', 'position');
      const unlock = async (project: { id: string; title: string }): Promise<UnlockedProject> => ({
        projectId: project.id,
        projectTitle: project.title,
        newlyUnlocked: await progressRepo.unlock(knex, input.userId, project.id),
      });
      const next = nextProject ? await unlock(nextProject) : null;
      const optionalProjects: { id: string; title: string }[] = await knex('projects')
        .where({ trackCode: current.trackCode, required: false })
        .where('position', '>', current.position)
        .modify((q) => {
          if (nextProject) q.where('position', '<', nextProject.position);
        })
        .orderBy('position')
        .select('id', 'title');
      const optional: UnlockedProject[] = [];
      for (const project of optionalProjects) optional.push(await unlock(project));
      const open = await knex('projects as p')
        .where({ 'p.trackCode': current.trackCode, 'p.required': true })
        .whereNotExists((q) =>
          q
            .select(knex.raw('1'))
            .from('student_progress as sp')
            .whereRaw('sp.project_id = p.id')
            .where({ 'sp.userId': input.userId, 'sp.status': 'COMPLETED' }),
        )
        .count({ n: '*' })
        .first();
      return { next, optional, trackCompleted: Number(open?.n) === 0 };
    },

    /**
     * Idempotent: records that certification is due. Certification does not exist yet;
     * when it does, it starts its workflow (this id) from these rows.
     */
    async handOverToCertification(input: { userId: string; track: TrackCode }): Promise<{ workflowId: string }> {
      const workflowId = workflowIds.certificate(input.userId, input.track);
      await knex('handovers')
        .insert({ userId: input.userId, kind: 'certification', subject: input.track, workflowId })
        .onConflict(['userId', 'kind', 'subject'])
        .ignore();
      return { workflowId };
    },
  };
}
