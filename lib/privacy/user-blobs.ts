import type { Db } from '../db/knex';

/** Blob keys holding the user's data: export archives and certificate PDFs. */
export async function listUserBlobKeys(db: Db, userId: string): Promise<string[]> {
  const exports: { blobKey: string }[] = await db('dataExports')
    .where({ userId })
    .whereNotNull('blobKey')
    .select('blobKey');
  const certificates: { pdfBlobKey: string }[] = await db('certificates')
    .where({ userId })
    .whereNotNull('pdfBlobKey')
    .select('pdfBlobKey');
  return [...exports.map((e) => e.blobKey), ...certificates.map((c) => c.pdfBlobKey)];
}
