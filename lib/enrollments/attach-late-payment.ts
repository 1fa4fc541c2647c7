import type { Db } from '../db/knex';
import { attachPayment } from '../payments/attach-payment';
import { markEnrolled } from './mark-enrolled';

/**
 * A payment that arrived after the enrollment existed: tied to it (payment_verified, e.g.
 * a student paying after an admin enrolled them for free), unless the enrollment already
 * has another payment that stands (PAID or DISPUTED): then it is a second payment for a
 * track already paid, left unattached for the caller to refund. Run it in a transaction:
 * the enrollment row is locked so two late payments cannot both attach.
 */
export async function attachLatePayment(
  db: Db,
  input: { userId: string; track: string; paymentId: string },
): Promise<'attached' | 'already-paid' | 'no-enrollment'> {
  const enrollment = await db('enrollments')
    .where({ userId: input.userId, trackCode: input.track })
    .forUpdate()
    .first('id');
  if (!enrollment) return 'no-enrollment';
  const standing = await db('payments')
    .where({ enrollmentId: enrollment.id })
    .whereNot({ id: input.paymentId })
    .whereIn('status', ['PAID', 'DISPUTED'])
    .first('id');
  if (standing) return 'already-paid';
  await markEnrolled(db, enrollment.id, true);
  await attachPayment(db, input.paymentId, enrollment.id, input.userId);
  return 'attached';
}
