import type { Db } from '../db/knex';
import { progressRepo } from '../db/repositories/progress';
import type { UnlockedProject } from './unlocked-project';

export interface NextProjects {
  next: UnlockedProject | null;
  optional: UnlockedProject[];
  trackCompleted: boolean;
}

/**
 * Idempotent: unlocks the next required project, and alongside it every optional
 * project placed before it (or after the last required one), so students may take
 * those on without them ever blocking the track; says whether the whole track is done.
 * Undefined when the project does not exist.
 */
export async function unlockNextProject(db: Db, userId: string, projectId: string): Promise<NextProjects | undefined> {
  const current = await db('projects').where({ id: projectId }).first('trackCode', 'position');
  if (!current) return undefined;
  const nextProject = await db('projects')
    .where({ trackCode: current.trackCode, required: true })
    .where('position', '>', current.position)
    .orderBy('position')
    .first('id', 'title', 'position');
  const unlock = async (project: { id: string; title: string }): Promise<UnlockedProject> => ({
    projectId: project.id,
    projectTitle: project.title,
    newlyUnlocked: await progressRepo.unlock(db, userId, project.id),
  });
  const next = nextProject ? await unlock(nextProject) : null;
  const optionalProjects: { id: string; title: string }[] = await db('projects')
    .where({ trackCode: current.trackCode, required: false })
    .where('position', '>', current.position)
    .modify((q) => {
      if (nextProject) q.where('position', '<', nextProject.position);
    })
    .orderBy('position')
    .select('id', 'title');
  const optional: UnlockedProject[] = [];
  for (const project of optionalProjects) optional.push(await unlock(project));
  const open = await db('projects as p')
    .where({ 'p.trackCode': current.trackCode, 'p.required': true })
    .whereNotExists((q) =>
      q
        .select(db.raw('1'))
        .from('student_progress as sp')
        .whereRaw('sp.project_id = p.id')
        .where({ 'sp.userId': userId, 'sp.status': 'COMPLETED' }),
    )
    .count({ n: '*' })
    .first();
  return { next, optional, trackCompleted: Number(open?.n) === 0 };
}
