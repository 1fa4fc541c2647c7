import type { Db } from '../db/knex';
import { sessionsRepo } from '../db/repositories/sessions';
import { revokeAccountTokens } from './account-tokens';

/**
 * Shuts everyone out of an account that changes hands: its sessions and unspent links
 * are revoked and, with `oauthLinks`, its sign-in providers unlinked. Pass a transaction.
 */
export async function revokeAccountAccess(db: Db, userId: string, options: { oauthLinks?: boolean } = {}) {
  const sessions = await sessionsRepo.revokeAllForUser(db, userId);
  await revokeAccountTokens(db, userId);
  const oauthLinks = options.oauthLinks ? await db('oauth_accounts').where({ userId }).delete() : 0;
  return { sessions, oauthLinks };
}
