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

  /** Locks the progress row until the transaction ends, so work on one project is serialized. */
  async lock(db: Db, id: string): Promise<void> {
    await db('student_progress').where({ id }).forUpdate().first('id');
  },

  /** The steps the student has done, with their project, in step order. */
  listStepCompletions: (db: Db, userId: string): Promise<{ stepId: string; projectId: string }[]> =>
    db('step_completions as sc')
      .join('steps as s', 's.id', 'sc.stepId')
      .where({ 'sc.userId': userId })
      .orderBy('s.position')
      .select('sc.stepId', 's.projectId'),

  /** The ids of the project's steps the student has done, in step order. */
  async completedStepIdsIn(db: Db, userId: string, projectId: string): Promise<string[]> {
    const rows: { stepId: string }[] = await db('step_completions as sc')
      .join('steps as s', 's.id', 'sc.stepId')
      .where({ 'sc.userId': userId, 's.projectId': projectId })
      .orderBy('s.position')
      .select('sc.stepId');
    return rows.map((r) => r.stepId);
  },

  /** Idempotent: the first completion of a step stands. */
  async recordStepCompletion(db: Db, userId: string, stepId: string): Promise<void> {
    await db('step_completions').insert({ userId, stepId }).onConflict(['userId', 'stepId']).ignore();
  },

  async stepCompletedAt(db: Db, userId: string, stepId: string): Promise<Date | undefined> {
    const row: { completedAt: Date } | undefined = await db('step_completions')
      .where({ userId, stepId })
      .first('completedAt');
    return row?.completedAt;
  },

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
