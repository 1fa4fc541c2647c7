import type { Db } from '../db/knex';
import { progressRepo } from '../db/repositories/progress';
import type { TrackCode } from '../domain/tracks';
import type { UnlockedProject } from './unlocked-project';

/** Idempotent: unlocks the first required project of a track; undefined when the track has none. */
export async function unlockFirstProject(
  db: Db,
  userId: string,
  track: TrackCode,
): Promise<UnlockedProject | undefined> {
  const project: { id: string; title: string } | undefined = await db('projects')
    .where({ trackCode: track, required: true })
    .orderBy('position')
    .first('id', 'title');
  if (!project) return undefined;
  const newlyUnlocked = await progressRepo.unlock(db, userId, project.id);
  return { projectId: project.id, projectTitle: project.title, newlyUnlocked };
}
