import type { Db } from '../db/knex';
import { progressRepo } from '../db/repositories/progress';
import { WORKSPACE_TRACK } from '../domain/workspace';
import { requestWorkspace } from '../workspaces/request-workspace';

/**
 * Idempotent, in the caller's transaction: an unlocked project moves to IN_PROGRESS. For the
 * first project of DP it also records the workspace request; `startWorkspace` then tells the
 * caller to start (or re-join) the workspace workflow before it commits.
 */
export async function startProject(
  db: Db,
  userId: string,
  project: { id: string; position: number; trackCode: string },
): Promise<{ startWorkspace: boolean }> {
  await progressRepo.transition(db, userId, project.id, ['UNLOCKED'], 'IN_PROGRESS');
  if (project.trackCode !== WORKSPACE_TRACK) return { startWorkspace: false };
  const first: { position: number } | undefined = await db('projects')
    .where({ trackCode: project.trackCode })
    .orderBy('position')
    .first('position');
  if (first?.position !== project.position) return { startWorkspace: false };
  const row = await progressRepo.find(db, userId, project.id);
  if (row?.status !== 'IN_PROGRESS') return { startWorkspace: false };
  return { startWorkspace: (await requestWorkspace(db, userId, project.id)).start };
}
