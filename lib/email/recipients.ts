import type { Db } from '../db/knex';

export interface RecipientUser {
  id: string;
  email: string;
  fullName: string;
  anonymized: boolean;
}

/** The address and greeting name of one user (erased users included: the caller decides). */
export const findRecipientUser = (db: Db, userId: string): Promise<RecipientUser | undefined> =>
  db('users').where({ id: userId }).first('id', 'email', 'fullName', 'anonymized');

/** Every live admin's address, oldest account first. */
export async function listAdminAddresses(db: Db): Promise<string[]> {
  const admins: { email: string }[] = await db('users')
    .whereIn('role', ['admin', 'superadmin'])
    .where({ anonymized: false })
    .orderBy('createdAt')
    .select('email');
  return admins.map((a) => a.email);
}
