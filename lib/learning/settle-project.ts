import type { Db } from '../db/knex';
import { progressRepo } from '../db/repositories/progress';

/**
 * Idempotent: COMPLETED when every required deliverable of the project has an approved
 * submission; otherwise back to IN_PROGRESS once nothing awaits review.
 */
export async function settleProject(db: Db, userId: string, projectId: string): Promise<{ completed: boolean }> {
  const missing = await db('deliverables as d')
    .join('steps as st', 'st.id', 'd.stepId')
    .where({ 'st.projectId': projectId, 'd.required': true })
    .whereNotExists((q) =>
      q
        .select(db.raw('1'))
        .from('submissions as s')
        .whereRaw('s.deliverable_id = d.id')
        .where({ 's.userId': userId, 's.status': 'APPROVED' }),
    )
    .count({ n: '*' })
    .first();
  if (Number(missing?.n) === 0) {
    await progressRepo.transition(db, userId, projectId, ['UNLOCKED', 'IN_PROGRESS', 'SUBMITTED'], 'COMPLETED');
    return { completed: true };
  }
  const pending = await db('submissions').where({ userId, projectId, status: 'SUBMITTED' }).first('id');
  if (!pending) await progressRepo.transition(db, userId, projectId, ['SUBMITTED'], 'IN_PROGRESS');
  return { completed: false };
}
