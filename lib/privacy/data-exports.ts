import { createHash } from 'node:crypto';
import type { Db } from '../db/knex';

export interface DataExportRow {
  id: string;
  userId: string;
  status: 'RUNNING' | 'READY' | 'EXPIRED' | 'FAILED';
  workflowId: string;
  blobKey: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  /** Set once the archive is deleted (the record may be withdrawn, EXPIRED, a little earlier). */
  deletedAt: Date | null;
}

/**
 * One export per user per UTC day: its id derives from both, so the workflow id
 * `data-export:<userId>:<exportId>` makes a second request that day land on the first.
 */
export function dailyExportId(userId: string, now = new Date()): string {
  const hex = createHash('sha256')
    .update(`data-export:${userId}:${now.toISOString().slice(0, 10)}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const exportBlobKey = (userId: string, exportId: string) => `exports/${userId}/${exportId}.zip`;

export const findLatestExport = (db: Db, userId: string): Promise<DataExportRow | undefined> =>
  db('dataExports').where({ userId }).orderBy('createdAt', 'desc').first();

export const findExport = (db: Db, id: string): Promise<DataExportRow | undefined> =>
  db('dataExports').where({ id }).first();

export async function openDataExport(db: Db, row: { id: string; userId: string; workflowId: string }): Promise<void> {
  await db('dataExports').insert(row).onConflict('id').ignore();
}

export async function markExportReady(
  db: Db,
  id: string,
  values: { blobKey: string; sha256: string; sizeBytes: number; counts: Record<string, number>; expiresAt: Date },
): Promise<void> {
  await db('dataExports')
    .where({ id })
    .update({ ...values, counts: JSON.stringify(values.counts), status: 'READY', readyAt: new Date() });
}

/** The link is withdrawn before the archive goes, so a READY record always has its archive. */
export async function markExportExpired(db: Db, id: string): Promise<void> {
  await db('dataExports').where({ id }).whereNot({ status: 'EXPIRED' }).update({ status: 'EXPIRED' });
}

/** The archive is gone: from now on retention may delete the record (see `expired-exports`). */
export async function markExportArchiveDeleted(db: Db, id: string): Promise<void> {
  await db('dataExports').where({ id }).whereNull('deletedAt').update({ deletedAt: new Date() });
}
