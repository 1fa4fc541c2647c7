import type { Db } from '../db/knex';
import type { EnrollmentRow } from '../db/repositories/enrollments';

/**
 * ENROLLED from a pending or lapsed checkout, stamping enrolled_at once; a later status
 * (SUSPENDED, COMPLETED) stays. A verified payment sets payment_verified for good.
 */
export async function markEnrolled(db: Db, enrollmentId: string, paymentVerified: boolean): Promise<EnrollmentRow> {
  const [row] = await db('enrollments')
    .where({ id: enrollmentId })
    .update({
      status: db.raw(`CASE WHEN status IN ('PENDING_PAYMENT','EXPIRED') THEN 'ENROLLED' ELSE status END`),
      enrolledAt: db.raw('COALESCE(enrolled_at, now())'),
      paymentVerified: db.raw('payment_verified OR ?', [paymentVerified]),
      statusReason: db.raw(`CASE WHEN status IN ('PENDING_PAYMENT','EXPIRED') THEN NULL ELSE status_reason END`),
      updatedAt: db.fn.now(),
    })
    .returning('*');
  return row as EnrollmentRow;
}
