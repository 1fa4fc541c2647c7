import type { Db } from '../knex';
import type { EnrollmentStatus } from '../../domain/enrollment';
import type { TrackCode } from '../../domain/tracks';

export type { EnrollmentStatus };

export interface EnrollmentRow {
  id: string;
  userId: string;
  trackCode: TrackCode;
  status: EnrollmentStatus;
  enrolledAt: Date | null;
  graduationDate: string | null;
  paymentVerified: boolean;
  trainerId: string | null;
  bypassPayment: boolean;
  notes: string | null;
  checkoutSessionId: string | null;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const enrollmentsRepo = {
  async find(db: Db, userId: string, track: string): Promise<EnrollmentRow | undefined> {
    return db('enrollments').where({ userId, trackCode: track }).first();
  },

  async findById(db: Db, id: string): Promise<EnrollmentRow | undefined> {
    return db('enrollments').where({ id }).first();
  },

  /** The student's current enrollment: the live one first, else the newest; a lapsed checkout (EXPIRED) is none. */
  async current(db: Db, userId: string): Promise<EnrollmentRow | undefined> {
    return db('enrollments')
      .where({ userId })
      .whereNot({ status: 'EXPIRED' })
      .orderByRaw(
        `CASE status WHEN 'ENROLLED' THEN 0 WHEN 'SUSPENDED' THEN 1 WHEN 'COMPLETED' THEN 2 WHEN 'PENDING_PAYMENT' THEN 3 ELSE 4 END`,
      )
      .orderBy('createdAt', 'desc')
      .first();
  },

  /**
   * A pending enrollment, created once per user and track; a closed (EXPIRED) one is
   * reopened. Live enrollments are left as they are.
   */
  async openPending(
    db: Db,
    userId: string,
    track: string,
    fields: { bypassPayment?: boolean; notes?: string | null } = {},
  ): Promise<EnrollmentRow> {
    const [row] = await db('enrollments')
      .insert({ userId, trackCode: track, status: 'PENDING_PAYMENT', ...fields })
      .onConflict(['userId', 'trackCode'])
      .merge({
        status: db.raw(`CASE WHEN enrollments.status = 'EXPIRED' THEN 'PENDING_PAYMENT' ELSE enrollments.status END`),
        ...(fields.bypassPayment !== undefined
          ? { bypassPayment: db.raw('enrollments.bypass_payment OR ?', [fields.bypassPayment]) }
          : {}),
        ...(fields.notes !== undefined ? { notes: fields.notes } : {}),
        updatedAt: db.fn.now(),
      })
      .returning('*');
    return row as EnrollmentRow;
  },

  /** Enrolled students on `tracks` still waiting for a trainer. */
  waitingForTrainer: (db: Db, tracks: TrackCode[]): Promise<{ userId: string; trackCode: TrackCode }[]> =>
    db('enrollments')
      .where({ status: 'ENROLLED' })
      .whereNull('trainerId')
      .whereIn('trackCode', tracks)
      .select('userId', 'trackCode'),

  async setStatus(
    db: Db,
    id: string,
    to: EnrollmentStatus,
    options: { from?: EnrollmentStatus[]; reason?: string | null } = {},
  ): Promise<EnrollmentRow | undefined> {
    const query = db('enrollments').where({ id });
    if (options.from) query.whereIn('status', options.from);
    const [row] = await query
      .update({ status: to, statusReason: options.reason ?? null, updatedAt: db.fn.now() })
      .returning('*');
    return row as EnrollmentRow | undefined;
  },
};
