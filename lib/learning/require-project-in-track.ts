import type { Db } from '../db/knex';
import { curriculumRepo } from '../db/repositories/curriculum';
import type { ActiveEnrollment } from '../db/repositories/progress';
import { errors } from '../errors';

/** A project of the student's own track, else 404 (never confirm that other tracks' ids exist). */
export async function requireProjectInTrack(db: Db, enrollment: ActiveEnrollment, projectId: string) {
  const project = await curriculumRepo.findProjectInTrack(db, projectId, enrollment.trackCode);
  if (!project) throw errors.notFound('Project');
  return project;
}
