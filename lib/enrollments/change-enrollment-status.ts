import { recordAudit } from '../audit';
import type { Db } from '../db/knex';
import { enrollmentsRepo, type EnrollmentRow } from '../db/repositories/enrollments';
import { trainersRepo } from '../db/repositories/trainers';
import type { EnrollmentStatus } from '../domain/enrollment';
import {
  ENROLLMENT_STATUS_ACTIONS,
  statusChangeRefusal,
  type EnrollmentStatusAction,
} from '../domain/enrollment-status-change';

interface StatusRequestRow {
  id: string;
  enrollmentId: string;
  action: EnrollmentStatusAction;
  reason: string | null;
  actorId: string | null;
  ipAddress: string | null;
  outcome: 'applied' | 'refused' | null;
  fromStatus: EnrollmentStatus | null;
}

export type StatusChangeOutcome =
  | { outcome: 'applied'; to: 'ENROLLED' | 'SUSPENDED'; enrollment: EnrollmentRow }
  | { outcome: 'refused'; refusal: string }
  | { outcome: 'unknown-request' };

/**
 * Applies a stored admin suspend or reinstate (requestEnrollmentStatusChange) in one
 * transaction with its audit entry: the enrollment row is locked, the move checked, a
 * reinstated student loses a trainer seat that filled up meanwhile (never over
 * max_students). Idempotent: a decided request answers as it was decided. Its whole job
 * is this transaction (a savepoint when `db` is one already).
 */
export async function changeEnrollmentStatus(db: Db, requestId: string): Promise<StatusChangeOutcome> {
  return db.transaction(async (trx) => {
    const request: StatusRequestRow | undefined = await trx('enrollment_status_requests')
      .where({ id: requestId })
      .forUpdate()
      .first();
    if (!request) return { outcome: 'unknown-request' };
    const current: EnrollmentRow = await trx('enrollments').where({ id: request.enrollmentId }).forUpdate().first();
    const { action } = request;
    const { to } = ENROLLMENT_STATUS_ACTIONS[action];
    if (request.outcome === 'applied') return { outcome: 'applied', to, enrollment: current };
    const refusal = statusChangeRefusal(action, request.fromStatus ?? current.status);
    // The reason and address are copied where they belong (enrollment row, audit log), then dropped here.
    const decide = (outcome: 'applied' | 'refused') =>
      trx('enrollment_status_requests').where({ id: requestId }).update({
        outcome,
        fromStatus: current.status,
        decidedAt: trx.fn.now(),
        reason: null,
        ipAddress: null,
      });
    if (refusal) {
      if (!request.outcome) await decide('refused');
      return { outcome: 'refused', refusal };
    }

    const updated = (await enrollmentsRepo.setStatus(trx, current.id, to, {
      reason: action === 'suspend' ? request.reason : null,
    }))!;
    if (
      action === 'reinstate' &&
      current.status !== to &&
      current.trainerId &&
      !(await trainersRepo.hasRoomFor(trx, current.trainerId, current.id))
    ) {
      await trx('enrollments').where({ id: current.id }).update({ trainerId: null });
      updated.trainerId = null;
    }
    // The free-text reason stays on the enrollment row, out of the audit log (lib/audit takes no free text).
    await recordAudit(trx, {
      action: `enrollment.${action}`,
      userId: current.userId,
      actorId: request.actorId,
      resource: `enrollment:${current.id}`,
      ipAddress: request.ipAddress,
      details: { from: current.status, to },
    });
    await decide('applied');
    return { outcome: 'applied', to, enrollment: updated };
  });
}
