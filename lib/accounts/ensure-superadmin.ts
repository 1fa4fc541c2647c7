import type { Db } from '../db/knex';
import { hashPassword } from '../auth/passwords';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { errors } from '../errors';
import { revokeAccountAccess } from './revoke-account-access';

export const EXISTING_ACCOUNT =
  'An account with this email exists already; pass --promote to make it the superadmin (its password is replaced, and its sessions and sign-in providers are revoked).';

/**
 * Creates the superadmin, with the address the operator vouches for (verified). An
 * existing account with that email is promoted only when `promote` says so: anyone may
 * have signed up with the admin's address first. Promotion replaces the password and
 * revokes every session, pending link and OAuth link, so whoever held the account
 * before keeps no way in. Policies are not accepted on the superadmin's behalf.
 */
export async function ensureSuperadmin(
  db: Db,
  input: { email: string; password: string; fullName?: string; promote?: boolean },
): Promise<{ user: UserRow; created: boolean; revoked?: { sessions: number; oauthLinks: number } }> {
  const passwordHash = await hashPassword(input.password);
  const existing = await usersRepo.findByEmail(db, input.email);
  if (existing) {
    if (!input.promote) throw errors.conflict(EXISTING_ACCOUNT);
    if (existing.anonymized) throw errors.conflict('The account with this email was erased; it cannot be promoted.');
    const revoked = await revokeAccountAccess(db, existing.id, { oauthLinks: true });
    const user = await usersRepo.update(db, existing.id, {
      role: 'superadmin',
      passwordHash,
      mustSetPassword: false,
      emailVerifiedAt: existing.emailVerifiedAt ?? new Date(),
    });
    return { user: user!, created: false, revoked };
  }
  const user = await usersRepo.insert(db, {
    email: input.email.toLowerCase(),
    fullName: input.fullName ?? 'Administrator',
    role: 'superadmin',
    passwordHash,
    emailVerifiedAt: new Date(),
  });
  return { user, created: true };
}
