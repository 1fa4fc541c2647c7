import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from '../lib/db/knex';
import type { TrackCode } from '../lib/domain/tracks';
import { unlockFirstProject } from '../lib/learning/unlock-first-project';
import type { UnlockedProject } from '../lib/learning/unlocked-project';

export interface ProgressActivityDeps {
  knex: Knex;
}

/** Unlocking projects: onboarding unlocks the first (reviews unlock the next, in learning.ts). */
export function createProgressActivities({ knex }: ProgressActivityDeps) {
  return {
    /** Idempotent: unlocks the first required project of a track (called by onboarding after enrollment). */
    async unlockFirstProject(input: { userId: string; track: TrackCode }): Promise<UnlockedProject> {
      const unlocked = await unlockFirstProject(knex, input.userId, input.track);
      if (!unlocked)
        throw ApplicationFailure.nonRetryable(`Track ${input.track} has no required project.`, 'TrackHasNoProjects');
      return unlocked;
    },
  };
}
