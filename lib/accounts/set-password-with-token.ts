import type { Db } from '../db/knex';
import { sessionsRepo } from '../db/repositories/sessions';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { PASSWORD_TOKEN_PURPOSES } from '../domain/account-tokens';
import { claimAccountToken } from './account-tokens';

/**
 * Spends a set-password or password-reset link and sets the password. The link came
 * through the mailbox, so the address is verified; every session of the user is revoked
 * (whoever held one before may be who the owner is locking out), so the caller's new
 * session is the only one. Undefined when the link is not valid. Pass a transaction.
 */
export async function setPasswordWithToken(trx: Db, token: string, passwordHash: string): Promise<UserRow | undefined> {
  const userId = await claimAccountToken(trx, token, PASSWORD_TOKEN_PURPOSES);
  if (!userId) return undefined;
  const user = await usersRepo.findById(trx, userId);
  if (!user || user.anonymized) return undefined;
  await sessionsRepo.revokeAllForUser(trx, user.id);
  return usersRepo.update(trx, user.id, {
    passwordHash,
    mustSetPassword: false,
    emailVerifiedAt: user.emailVerifiedAt ?? new Date(),
  });
}
