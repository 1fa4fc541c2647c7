import type { Db } from '../knex';
import type { ProgressStatus } from '../../domain/progress';
import type { TrackCode } from '../../domain/tracks';

export type { ProgressStatus };

export interface ProgressRow {
  id: string;
  userId: string;
  projectId: string;
  status: ProgressStatus;
  unlockedAt: Date | null;
  startedAt: Date | null;
  submittedAt: Date | null;
  completedAt: Date | null;
}

/** The timestamp a status sets the first time it is reached. */
const STAMPS: Partial<Record<ProgressStatus, string>> = {
  UNLOCKED: 'unlockedAt',
  IN_PROGRESS: 'startedAt',
  SUBMITTED: 'submittedAt',
  COMPLETED: 'completedAt',
};

export interface ActiveEnrollment {
  id: string;
  userId: string;
  trackCode: TrackCode;
  status: string;
  trainerId: string | null;
}

/** The enrollment whose track a student is working through (ENROLLED, or COMPLETED to look back). */
export const progressRepo = {
  activeEnrollment: (db: Db, userId: string): Promise<ActiveEnrollment | undefined> =>
    db('enrollments')
      .where({ userId })
      .whereIn('status', ['ENROLLED', 'COMPLETED'])
      .orderByRaw(`CASE status WHEN 'ENROLLED' THEN 0 ELSE 1 END`)
      .orderBy('enrolledAt', 'desc')
      .first(),

  find: (db: Db, userId: string, projectId: string): Promise<ProgressRow | undefined> =>
    db('student_progress').where({ userId, projectId }).first(),

  listForUser: (db: Db, userId: string): Promise<ProgressRow[]> => db('student_progress').where({ userId }),

  /** Idempotent: creates the row UNLOCKED, or moves a LOCKED row to UNLOCKED; true when it changed. */
  async unlock(db: Db, userId: string, projectId: string): Promise<boolean> {
    const rows = await db.raw(
      `INSERT INTO student_progress (user_id, project_id, status, unlocked_at) VALUES (?, ?, 'UNLOCKED', now())
       ON CONFLICT (user_id, project_id) DO UPDATE SET status = 'UNLOCKED', unlocked_at = now(), updated_at = now()
       WHERE student_progress.status = 'LOCKED'
       RETURNING id`,
      [userId, projectId],
    );
    return rows.rows.length > 0;
  },

  /** Moves a project to `to` only from one of `from`, stamping the matching timestamp. */
  async transition(
    db: Db,
    userId: string,
    projectId: string,
    from: ProgressStatus[],
    to: ProgressStatus,
  ): Promise<boolean> {
    const column = STAMPS[to];
    const changed = await db('student_progress')
      .where({ userId, projectId })
      .whereIn('status', from)
      .update({
        status: to,
        updatedAt: db.fn.now(),
        ...(column ? { [column]: db.raw('coalesce(??, now())', [column]) } : {}),
      });
    return changed > 0;
  },
};
