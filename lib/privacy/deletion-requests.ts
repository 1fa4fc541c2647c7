import type { Db } from '../db/knex';
import type { ErasureLine } from './erase-personal-data';

export type ErasureKind = 'DELETION' | 'ANONYMIZATION';
export type DeletionStatus = 'SCHEDULED' | 'CANCELLED' | 'ERASING' | 'COMPLETED';

export interface DeletionRequestRow {
  id: string;
  userId: string;
  kind: ErasureKind;
  status: DeletionStatus;
  workflowId: string;
  requestedBy: string | null;
  requestedAt: Date;
  scheduledFor: Date | null;
  cancelledAt: Date | null;
  erasedAt: Date | null;
  completedAt: Date | null;
}

/** Stored on the request once the erasure committed: ids, counts, processor references and timestamps. */
export interface ErasureReport {
  requestId: string;
  kind: ErasureKind;
  erasedAt: string;
  tables: ErasureLine[];
  sessionsRevoked: number;
  blobsDeleted: number;
  processors: { name: string; outcome: string; reference?: string }[];
  /** The user's other workflows: cancelled, or told (the workspace's deprovisionNow); absent in older reports. */
  workflows?: UserWorkflowsStopped;
  finalEmail?: { emailMessageId: string; status: string };
}

/** What the erasure did to the user's other running workflows: counts and workflow types only. */
export interface UserWorkflowsStopped {
  cancelled: number;
  told: number;
  /** Per workflow type, e.g. { onboarding: 1, dataExport: 1 }. */
  byType: Record<string, number>;
}

const COLUMNS = [
  'id',
  'userId',
  'kind',
  'status',
  'workflowId',
  'requestedBy',
  'requestedAt',
  'scheduledFor',
  'cancelledAt',
  'erasedAt',
  'completedAt',
] as const;

/** The open (SCHEDULED or ERASING) request of a user. */
export const findOpenDeletionRequest = (db: Db, userId: string): Promise<DeletionRequestRow | undefined> =>
  db('deletionRequests').where({ userId }).whereIn('status', ['SCHEDULED', 'ERASING']).first(COLUMNS);

export const findDeletionRequest = (db: Db, id: string): Promise<DeletionRequestRow | undefined> =>
  db('deletionRequests').where({ id }).first(COLUMNS);

/**
 * Opens the user's erasure request, or answers the open one (a retried activity or a
 * second request lands on the first). The address is captured here, before erasure, for
 * the final message; the user row is flagged `account_deletion_requested`.
 */
export async function openDeletionRequest(
  db: Db,
  input: { userId: string; kind: ErasureKind; workflowId: string; requestedBy: string | null; coolOffMs: number },
  now = new Date(),
): Promise<{ request: DeletionRequestRow; legalHold: boolean } | undefined> {
  const user = await db('users').where({ id: input.userId }).forUpdate().first('email', 'anonymized', 'legalHold');
  if (!user || user.anonymized) return undefined;
  let request = await findOpenDeletionRequest(db, input.userId);
  if (!request) {
    const scheduledFor = new Date(now.getTime() + (input.kind === 'DELETION' ? input.coolOffMs : 0));
    [request] = await db('deletionRequests')
      .insert({
        userId: input.userId,
        kind: input.kind,
        workflowId: input.workflowId,
        requestedBy: input.requestedBy,
        capturedEmail: user.email,
        requestedAt: now,
        scheduledFor,
      })
      .returning(COLUMNS);
    await db('users')
      .where({ id: input.userId })
      .update({ accountDeletionRequested: true, accountDeletionRequestedAt: now, updatedAt: now });
  }
  return { request: request!, legalHold: Boolean(user.legalHold) };
}

/** Cancels a request still in its cool-off and restores the account's flags; false once erasure began. */
export async function cancelDeletionRequest(db: Db, requestId: string, now = new Date()): Promise<boolean> {
  const request = await db('deletionRequests').where({ id: requestId }).forUpdate().first('userId', 'status');
  if (!request) return false;
  if (request.status === 'CANCELLED') return true;
  if (request.status !== 'SCHEDULED') return false;
  await db('deletionRequests')
    .where({ id: requestId })
    .update({ status: 'CANCELLED', cancelledAt: now, capturedEmail: null });
  await db('users')
    .where({ id: request.userId })
    .update({ accountDeletionRequested: false, accountDeletionRequestedAt: null, updatedAt: now });
  return true;
}

/** From here on the request cannot be cancelled. */
export const markErasing = (db: Db, requestId: string) =>
  db('deletionRequests')
    .where({ id: requestId })
    .whereIn('status', ['SCHEDULED', 'ERASING'])
    .update({ status: 'ERASING' });

export const isUnderLegalHold = async (db: Db, userId: string): Promise<boolean> =>
  Boolean((await db('users').where({ id: userId }).first('legalHold'))?.legalHold);

export async function recordErasure(db: Db, requestId: string, report: ErasureReport): Promise<void> {
  await db('deletionRequests')
    .where({ id: requestId })
    .update({
      status: 'COMPLETED',
      erasedAt: report.erasedAt,
      completedAt: new Date(),
      report: JSON.stringify(report),
    });
}

/** The address captured before erasure; undefined once the final message was handed over. */
export async function findCapturedAddress(
  db: Db,
  requestId: string,
): Promise<{ userId: string; address: string } | undefined> {
  const row = await db('deletionRequests').where({ id: requestId }).first('userId', 'capturedEmail');
  return row?.capturedEmail ? { userId: row.userId, address: row.capturedEmail } : undefined;
}

/** Once the final message is handed over, neither the request nor its log row keeps the address. */
export async function forgetCapturedAddress(db: Db, requestId: string, idempotencyKey: string): Promise<void> {
  await db('deletionRequests').where({ id: requestId }).update({ capturedEmail: null });
  await db('emailMessages')
    .where({ idempotencyKey })
    .update({ toAddress: '', subject: '', htmlBody: '', textBody: '', error: null });
}

/** What processors answered this request (e.g. Postmark's data-removal id), by processor. */
export async function findProcessorReferences(db: Db, requestId: string): Promise<Record<string, string>> {
  const row = await db('deletionRequests').where({ id: requestId }).first('processorReferences');
  return (row?.processorReferences as Record<string, string> | undefined) ?? {};
}

/** Kept as soon as a processor answers, so a retried step does not ask again. */
export async function recordProcessorReference(
  db: Db,
  requestId: string,
  processor: string,
  reference: string,
): Promise<void> {
  await db('deletionRequests')
    .where({ id: requestId })
    .update({
      processorReferences: db.raw(`processor_references || jsonb_build_object(?::text, ?::text)`, [
        processor,
        reference,
      ]),
    });
}
