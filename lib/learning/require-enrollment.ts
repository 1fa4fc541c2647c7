import type { Db } from '../db/knex';
import { progressRepo, type ActiveEnrollment } from '../db/repositories/progress';
import { errors } from '../errors';

/** The student's enrollment they work through; a student without one has no progress to show (404). */
export async function requireEnrollment(db: Db, userId: string): Promise<ActiveEnrollment> {
  const enrollment = await progressRepo.activeEnrollment(db, userId);
  if (!enrollment) throw errors.notFound('Enrollment');
  return enrollment;
}
