import type { Db } from '../db/knex';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { errors } from '../errors';
import { revokeAccountAccess } from './revoke-account-access';

export interface OAuthIdentity {
  provider: string;
  providerUserId: string;
  email: string;
  fullName: string;
}

export interface OAuthSignIn {
  user: UserRow;
  created: boolean;
  /** An unverified local account with this email passed to the provider's owner. */
  takenOver: boolean;
}

/**
 * The user behind a provider account: the linked one, else the account with the same
 * (provider-verified) email, else a new student who has accepted no policy yet (so they
 * meet 428 until they do). Links the provider account. Pass a transaction.
 *
 * A local account whose owner never proved the address may have been registered by
 * someone else first (pre-account takeover): the provider's owner proves it now, so that
 * account is theirs, and whoever set its password is shut out (password cleared, every
 * session and pending link revoked). A verified account is simply linked.
 */
export async function signInWithOAuth(db: Db, identity: OAuthIdentity): Promise<OAuthSignIn> {
  const link = await db('oauth_accounts')
    .where({ provider: identity.provider, providerUserId: identity.providerUserId })
    .first('userId');
  if (link) {
    const linked = await usersRepo.findById(db, link.userId);
    if (!linked || linked.anonymized) throw errors.unauthenticated('This account is closed.');
    return { user: linked, created: false, takenOver: false };
  }
  const existing = await usersRepo.findByEmail(db, identity.email);
  if (existing?.anonymized) throw errors.unauthenticated('This account is closed.');
  const takenOver = Boolean(existing && !existing.emailVerifiedAt);
  let user: UserRow;
  if (!existing) {
    user = await usersRepo.insert(db, {
      email: identity.email.toLowerCase(),
      fullName: identity.fullName,
      role: 'student',
      emailVerifiedAt: new Date(),
    });
  } else {
    user = takenOver ? await takeOver(db, existing) : existing;
  }
  await db('oauth_accounts')
    .insert({ userId: user.id, provider: identity.provider, providerUserId: identity.providerUserId })
    .onConflict(['provider', 'providerUserId'])
    .ignore();
  return { user, created: !existing, takenOver };
}

/** The provider's owner proved the address: the password someone else may have set dies with every session. */
async function takeOver(db: Db, user: UserRow): Promise<UserRow> {
  await revokeAccountAccess(db, user.id);
  const updated = await usersRepo.update(db, user.id, {
    passwordHash: null,
    mustSetPassword: false,
    emailVerifiedAt: new Date(),
  });
  return updated ?? user;
}
