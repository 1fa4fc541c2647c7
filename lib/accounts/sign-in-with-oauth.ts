import type { Db } from '../db/knex';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { errors } from '../errors';

export interface OAuthIdentity {
  provider: string;
  providerUserId: string;
  email: string;
  fullName: string;
}

/**
 * The user behind a provider account: the linked one, else the account with the same
 * (provider-verified) email, else a new student who has accepted no policy yet (so they
 * meet 428 until they do). Links the provider account. Pass a transaction.
 */
export async function signInWithOAuth(db: Db, identity: OAuthIdentity): Promise<{ user: UserRow; created: boolean }> {
  const link = await db('oauth_accounts')
    .where({ provider: identity.provider, providerUserId: identity.providerUserId })
    .first('userId');
  if (link) {
    const linked = await usersRepo.findById(db, link.userId);
    if (!linked || linked.anonymized) throw errors.unauthenticated('This account is closed.');
    return { user: linked, created: false };
  }
  let user = await usersRepo.findByEmail(db, identity.email);
  if (user?.anonymized) throw errors.unauthenticated('This account is closed.');
  const created = !user;
  user ??= await usersRepo.insert(db, {
    email: identity.email.toLowerCase(),
    fullName: identity.fullName,
    role: 'student',
  });
  await db('oauth_accounts')
    .insert({ userId: user.id, provider: identity.provider, providerUserId: identity.providerUserId })
    .onConflict(['provider', 'providerUserId'])
    .ignore();
  return { user, created };
}
