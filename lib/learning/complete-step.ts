import type { Db } from '../db/knex';
import { progressRepo } from '../db/repositories/progress';

/** Marks a step done (the first completion stands) and returns when it was first done. */
export async function completeStep(db: Db, userId: string, step: { id: string; projectId: string }): Promise<Date> {
  await progressRepo.recordStepCompletion(db, userId, step.id);
  // Working on a step means the project has started.
  await progressRepo.transition(db, userId, step.projectId, ['UNLOCKED'], 'IN_PROGRESS');
  return (await progressRepo.stepCompletedAt(db, userId, step.id))!;
}
