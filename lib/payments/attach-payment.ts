import type { Db } from '../db/knex';

/** Ties a recorded payment to the enrollment it paid for (and its user, if it was recorded without one). */
export async function attachPayment(db: Db, paymentId: string, enrollmentId: string, userId: string): Promise<void> {
  await db('payments').where({ id: paymentId }).update({ enrollmentId, userId });
}
