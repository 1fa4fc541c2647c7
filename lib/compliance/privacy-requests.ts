import type { Db } from '../db/knex';

/** The requests with a legal deadline (GDPR Art. 12(3): one month). */
export const PRIVACY_REQUEST_KINDS = ['export', 'deletion', 'anonymization'] as const;
export type PrivacyRequestKind = (typeof PRIVACY_REQUEST_KINDS)[number];
export type PrivacyRequestOutcome = 'COMPLETED' | 'CANCELLED' | 'REFUSED';

/** Admins hear of a request still open this many days after it was made. */
export const PRIVACY_REMINDER_DAYS = 21;

/**
 * Records a request when it is made (idempotent on `sourceKey`, e.g. the workflow id);
 * its deadline is one calendar month later unless `deadlineAt` names an extension.
 */
export async function openPrivacyRequest(
  db: Db,
  input: { kind: PrivacyRequestKind; userId: string; sourceKey: string; openedAt?: Date; deadlineAt?: Date },
): Promise<{ id: string; deadlineAt: Date }> {
  await db('privacyRequests')
    .insert({
      kind: input.kind,
      userId: input.userId,
      sourceKey: input.sourceKey,
      ...(input.openedAt ? { openedAt: input.openedAt } : {}),
      ...(input.deadlineAt ? { deadlineAt: input.deadlineAt } : {}),
    })
    .onConflict('sourceKey')
    .ignore();
  const row = await db('privacyRequests').where({ sourceKey: input.sourceKey }).first('id', 'deadlineAt');
  return row as { id: string; deadlineAt: Date };
}

/** Closes a request once answered (idempotent: the first close wins). */
export async function closePrivacyRequest(db: Db, sourceKey: string, outcome: PrivacyRequestOutcome): Promise<void> {
  await db('privacyRequests').where({ sourceKey }).whereNull('closedAt').update({ closedAt: db.fn.now(), outcome });
}

export type DeadlineStage = 'day-21' | 'overdue';
export interface DeadlineAlert {
  requestId: string;
  kind: PrivacyRequestKind;
  stage: DeadlineStage;
  deadlineAt: string;
}

/**
 * Open requests admins must hear of: open for 21 days, or past their deadline. Each is
 * claimed once (by `claimant`, a run's key; a retried claim by the same run gets the same
 * rows back), unless `dryRun`, which only lists them.
 */
export async function claimDeadlineAlerts(
  db: Db,
  asOf: Date,
  claimant: string,
  dryRun: boolean,
): Promise<DeadlineAlert[]> {
  const remindBefore = new Date(asOf.getTime() - PRIVACY_REMINDER_DAYS * 86_400_000);
  const stages: { stage: DeadlineStage; at: string; by: string; due: string; binding: Date }[] = [
    { stage: 'day-21', at: 'reminded_at', by: 'reminded_by', due: 'opened_at <= ?', binding: remindBefore },
    { stage: 'overdue', at: 'overdue_alerted_at', by: 'overdue_alerted_by', due: 'deadline_at <= ?', binding: asOf },
  ];
  const alerts: DeadlineAlert[] = [];
  for (const { stage, at, by, due, binding } of stages) {
    const open = `closed_at IS NULL AND ${due}`;
    const result = dryRun
      ? await db.raw(`SELECT id, kind, deadline_at FROM privacy_requests WHERE ${open} AND ${at} IS NULL`, [binding])
      : await db.raw(
          `UPDATE privacy_requests SET ${at} = coalesce(${at}, ?), ${by} = coalesce(${by}, ?)
           WHERE ${open} AND (${at} IS NULL OR ${by} = ?) RETURNING id, kind, deadline_at`,
          [asOf, claimant, binding, claimant],
        );
    for (const row of result.rows as { id: string; kind: PrivacyRequestKind; deadlineAt: Date }[]) {
      alerts.push({ requestId: row.id, kind: row.kind, stage, deadlineAt: row.deadlineAt.toISOString() });
    }
  }
  return alerts.sort((a, b) => a.deadlineAt.localeCompare(b.deadlineAt) || a.requestId.localeCompare(b.requestId));
}
