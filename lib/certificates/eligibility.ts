import type { Db } from '../db/knex';

export interface MissingProject {
  projectId: string;
  title: string;
}

/** The track's required projects this user has not completed (none: eligible for the certificate). */
export async function missingRequiredProjects(db: Db, userId: string, track: string): Promise<MissingProject[]> {
  const rows: { id: string; title: string }[] = await db('projects as p')
    .where({ 'p.trackCode': track, 'p.required': true })
    .whereNotExists((q) =>
      q
        .select(db.raw('1'))
        .from('student_progress as sp')
        .whereRaw('sp.project_id = p.id')
        .where({ 'sp.userId': userId, 'sp.status': 'COMPLETED' }),
    )
    .orderBy('p.position')
    .select('p.id', 'p.title');
  return rows.map((r) => ({ projectId: r.id, title: r.title }));
}

export type Eligibility =
  | { eligible: true }
  | { eligible: false; reason: 'not-enrolled' }
  | { eligible: false; reason: 'projects-missing'; missing: MissingProject[] };

/** Enrolled (or graduated already) in the track, with every required project completed. */
export async function certificateEligibility(db: Db, userId: string, track: string): Promise<Eligibility> {
  const enrollment = await db('enrollments')
    .where({ userId, trackCode: track })
    .whereIn('status', ['ENROLLED', 'COMPLETED'])
    .first('id');
  if (!enrollment) return { eligible: false, reason: 'not-enrolled' };
  const missing = await missingRequiredProjects(db, userId, track);
  return missing.length > 0 ? { eligible: false, reason: 'projects-missing', missing } : { eligible: true };
}
