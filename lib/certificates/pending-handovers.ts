import type { Db } from '../db/knex';
import type { TrackCode } from '../domain/tracks';

export interface PendingHandover {
  userId: string;
  track: TrackCode;
}

/**
 * Certification hand-overs with no certificate yet: those recorded before the certification
 * workflow existed (nothing picked them up), or whose workflow failed. Oldest first.
 */
export async function handoversWithoutCertificate(db: Db): Promise<PendingHandover[]> {
  return db('handovers as h')
    .leftJoin('certificates as c', function joinCertificate() {
      this.on('c.user_id', '=', 'h.user_id').andOn('c.track_code', '=', 'h.subject');
    })
    .where('h.kind', 'certification')
    .whereNull('c.id')
    .orderBy('h.created_at')
    .select('h.user_id as userId', 'h.subject as track');
}
