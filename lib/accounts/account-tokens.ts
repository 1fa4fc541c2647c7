import type { Db } from '../db/knex';
import { hashToken, newToken } from '../auth/tokens';
import type { AccountTokenPurpose } from '../domain/account-tokens';

/*
 * Single-use account links (set-password, password-reset, verify-email). Only a token's
 * SHA-256 is stored; the token itself lives in the delivered email and nowhere else.
 * Revoking a link deletes its row: nothing is left that a leaked link could match.
 */

export interface IssueAccountToken {
  userId: string;
  purpose: AccountTokenPurpose;
  ttlMs: number;
  /** The message that carries the link: a redelivery of it revokes the link sent before. */
  emailMessageId: string;
}

/** A fresh token for one delivery of a message; an unspent token of an earlier delivery of it dies. */
export async function issueAccountToken(db: Db, input: IssueAccountToken): Promise<string> {
  await db('account_tokens').where({ emailMessageId: input.emailMessageId }).whereNull('usedAt').delete();
  const token = newToken();
  await db('account_tokens').insert({
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + input.ttlMs),
    emailMessageId: input.emailMessageId,
  });
  return token;
}

/**
 * Spends the token if it is unused, unexpired and of one of `purposes`, atomically (two
 * requests with one token cannot both win), with every other unspent link of the user
 * for those purposes. The user's id, or undefined when the token is not valid. Pass a transaction.
 */
export async function claimAccountToken(
  trx: Db,
  token: string,
  purposes: readonly AccountTokenPurpose[],
): Promise<string | undefined> {
  const [claimed] = await trx('account_tokens')
    .where({ tokenHash: hashToken(token) })
    .whereIn('purpose', purposes)
    .whereNull('usedAt')
    .where('expiresAt', '>', trx.fn.now())
    .update({ usedAt: trx.fn.now() })
    .returning('userId');
  if (!claimed) return undefined;
  await trx('account_tokens')
    .where({ userId: claimed.userId })
    .whereIn('purpose', purposes)
    .whereNull('usedAt')
    .update({ usedAt: trx.fn.now() });
  return claimed.userId as string;
}

/** Revokes every unspent link of the user (the account changed hands). */
export async function revokeAccountTokens(db: Db, userId: string): Promise<void> {
  await db('account_tokens').where({ userId }).whereNull('usedAt').delete();
}
