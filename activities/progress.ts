import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from '../lib/db/knex';
import { progressRepo } from '../lib/db/repositories/progress';
import type { TrackCode } from '../lib/domain/tracks';

export interface ProgressActivityDeps {
  knex: Knex;
}

export interface UnlockResult {
  projectId: string;
  projectTitle: string;
  newlyUnlocked: boolean;
}

async function firstRequiredProject(knex: Knex, track: TrackCode) {
  const project = await knex('projects')
    .where({ trackCode: track, required: true })
    .orderBy('position')
    .first('id', 'title');
  if (!project) throw ApplicationFailure.nonRetryable(`Track ${track} has no required project.`, 'TrackHasNoProjects');
  return project as { id: string; title: string };
}

/** Unlocking projects: onboarding unlocks the first, reviews unlock the next. */
export function createProgressActivities({ knex }: ProgressActivityDeps) {
  return {
    /** Idempotent: unlocks one project for a student (a second call changes nothing). */
    async unlockProject(input: { userId: string; projectId: string }): Promise<UnlockResult> {
      const project = await knex('projects').where({ id: input.projectId }).first('id', 'title');
      if (!project) throw ApplicationFailure.nonRetryable('Unknown project.', 'ProjectNotFound');
      const newlyUnlocked = await progressRepo.unlock(knex, input.userId, input.projectId);
      return { projectId: project.id, projectTitle: project.title, newlyUnlocked };
    },

    /** Idempotent: unlocks the first required project of a track (called by onboarding after enrollment). */
    async unlockFirstProject(input: { userId: string; track: TrackCode }): Promise<UnlockResult> {
      const project = await firstRequiredProject(knex, input.track);
      const newlyUnlocked = await progressRepo.unlock(knex, input.userId, project.id);
      return { projectId: project.id, projectTitle: project.title, newlyUnlocked };
    },
  };
}
