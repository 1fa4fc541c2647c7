import type { Db } from '../db/knex';

/** Records the Checkout Session last opened for a pending enrollment. */
export async function setCheckoutSession(db: Db, enrollmentId: string, sessionId: string): Promise<void> {
  await db('enrollments').where({ id: enrollmentId }).update({ checkoutSessionId: sessionId, updatedAt: db.fn.now() });
}
