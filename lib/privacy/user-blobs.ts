import type { Db } from '../db/knex';

/** Blob keys holding the user's data: export archives (certificate PDFs join when certificates land). */
export async function listUserBlobKeys(db: Db, userId: string): Promise<string[]> {
  const exports: { blobKey: string }[] = await db('dataExports')
    .where({ userId })
    .whereNotNull('blobKey')
    .select('blobKey');
  return exports.map((e) => e.blobKey);
}
