import type { Db } from '../db/knex';
import type { EnrollmentStatusAction } from '../domain/enrollment-status-change';

/**
 * Stores an admin's suspend or reinstate for the onboarding workflow to apply
 * (changeEnrollmentStatus): the workflow gets this row's id, never the free-text reason
 * or the admin's address (convention 4).
 */
export async function requestEnrollmentStatusChange(
  db: Db,
  request: {
    enrollmentId: string;
    action: EnrollmentStatusAction;
    reason: string;
    actorId: string;
    ipAddress: string | null;
  },
): Promise<string> {
  const [row] = await db('enrollment_status_requests').insert(request).returning('id');
  return (row as { id: string }).id;
}
