import type { Db } from '../db/knex';
import { hashPassword } from '../auth/passwords';
import { usersRepo, type UserRow } from '../db/repositories/users';

/**
 * Creates the superadmin, or promotes and re-passwords an existing account with that
 * email; running it twice leaves one superadmin. Policies are not accepted on their behalf.
 */
export async function ensureSuperadmin(
  db: Db,
  input: { email: string; password: string; fullName?: string },
): Promise<{ user: UserRow; created: boolean }> {
  const passwordHash = await hashPassword(input.password);
  const existing = await usersRepo.findByEmail(db, input.email);
  if (existing) {
    const user = await usersRepo.update(db, existing.id, { role: 'superadmin', passwordHash, mustSetPassword: false });
    return { user: user!, created: false };
  }
  const user = await usersRepo.insert(db, {
    email: input.email.toLowerCase(),
    fullName: input.fullName ?? 'Administrator',
    role: 'superadmin',
    passwordHash,
  });
  return { user, created: true };
}
