import type { Db } from '../db/knex';
import type { TrackCode } from '../domain/tracks';

/** Students of `tracks` who are ENROLLED but still have no trainer (every trainer was full). */
export async function listEnrollmentsAwaitingTrainer(
  db: Db,
  tracks: TrackCode[],
): Promise<{ userId: string; trackCode: TrackCode }[]> {
  return db('enrollments')
    .where({ status: 'ENROLLED' })
    .whereNull('trainerId')
    .whereIn('trackCode', tracks)
    .select('userId', 'trackCode');
}
