import type { Db } from '../db/knex';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { claimAccountToken } from './account-tokens';

/** Spends a verify-email link: the address is the user's. Undefined when the link is not valid. Pass a transaction. */
export async function verifyEmailWithToken(trx: Db, token: string): Promise<UserRow | undefined> {
  const userId = await claimAccountToken(trx, token, ['verify-email']);
  if (!userId) return undefined;
  const user = await usersRepo.findById(trx, userId);
  if (!user || user.anonymized) return undefined;
  if (user.emailVerifiedAt) return user;
  return usersRepo.update(trx, user.id, { emailVerifiedAt: new Date() });
}
