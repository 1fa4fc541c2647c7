import type { Db, Knex } from '../db/knex';
import { hashToken, newToken } from '../auth/tokens';
import { usersRepo, type UserRow } from '../db/repositories/users';

/** A fresh single-use set-password token for `userId`; only its hash is stored. */
export async function issueSetPasswordToken(db: Db, userId: string, ttlMs: number): Promise<string> {
  const token = newToken();
  await db('set_password_tokens').insert({
    userId,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + ttlMs),
  });
  return token;
}

/** Forgets a token that was issued but never sent (a concurrent send won). */
export async function discardSetPasswordToken(db: Db, token: string): Promise<void> {
  await db('set_password_tokens')
    .where({ tokenHash: hashToken(token) })
    .delete();
}

/**
 * Spends the token and sets the password, in one transaction: the token is claimed
 * atomically (unused, unexpired), so two requests with one token cannot both win, and
 * the user's other outstanding tokens die with it. Undefined when the token is not valid.
 */
export async function setPasswordWithToken(
  knex: Knex,
  token: string,
  passwordHash: string,
): Promise<UserRow | undefined> {
  return knex.transaction(async (trx) => {
    const [claimed] = await trx('set_password_tokens')
      .where({ tokenHash: hashToken(token) })
      .whereNull('usedAt')
      .where('expiresAt', '>', trx.fn.now())
      .update({ usedAt: trx.fn.now() })
      .returning('userId');
    if (!claimed) return undefined;
    const user = await usersRepo.findById(trx, claimed.userId);
    if (!user || user.anonymized) return undefined;
    await trx('set_password_tokens').where({ userId: user.id }).whereNull('usedAt').update({ usedAt: trx.fn.now() });
    return usersRepo.update(trx, user.id, { passwordHash, mustSetPassword: false });
  });
}
