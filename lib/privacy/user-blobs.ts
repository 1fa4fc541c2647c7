import type { Db } from '../db/knex';
import { exportBlobKey } from './data-exports';

/**
 * Blob keys holding the user's data: export archives and certificate PDFs. Every export
 * row's key is listed, recorded or not, so an archive whose build was interrupted (its
 * key not yet written back) goes too; deleting a missing blob succeeds.
 */
export async function listUserBlobKeys(db: Db, userId: string): Promise<string[]> {
  const exports: { id: string; blobKey: string | null }[] = await db('dataExports')
    .where({ userId })
    .select('id', 'blobKey');
  const certificates: { pdfBlobKey: string }[] = await db('certificates')
    .where({ userId })
    .whereNotNull('pdfBlobKey')
    .select('pdfBlobKey');
  const keys = exports.flatMap((e) => [e.blobKey ?? exportBlobKey(userId, e.id), exportBlobKey(userId, e.id)]);
  return [...new Set([...keys, ...certificates.map((c) => c.pdfBlobKey)])];
}
