import type { Db } from '../db/knex';
import type { TrackCode } from '../domain/tracks';

/**
 * Idempotent: records that certification is due. Certification does not exist yet;
 * when it does, it starts its workflow (`workflowId`) from these rows.
 */
export async function recordCertificationHandover(
  db: Db,
  userId: string,
  track: TrackCode,
  workflowId: string,
): Promise<void> {
  await db('handovers')
    .insert({ userId, kind: 'certification', subject: track, workflowId })
    .onConflict(['userId', 'kind', 'subject'])
    .ignore();
}
