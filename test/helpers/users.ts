import { randomUUID } from 'node:crypto';
import type { Knex } from '../../lib/db/knex';
import { hashToken, newToken } from '../../lib/auth/tokens';
import { policiesRepo } from '../../lib/db/repositories/policies';
import { usersRepo, type Role, type UserRow } from '../../lib/db/repositories/users';

export interface TestUser {
  user: UserRow;
  token: string;
}

/**
 * A user with the current policies accepted and a live session, written straight to
 * the database (for tests of other capabilities; sign-up itself is tested over HTTP).
 */
export async function createTestUser(
  knex: Knex,
  options: { role?: Role; email?: string; fullName?: string } = {},
): Promise<TestUser> {
  const versions = await policiesRepo.activeVersions(knex);
  const user = await usersRepo.insert(knex, {
    email: options.email ?? `user-${randomUUID()}@example.test`,
    fullName: options.fullName ?? 'Test User',
    role: options.role ?? 'student',
    privacyAccepted: true,
    privacyAcceptedAt: new Date(),
    privacyVersion: versions.privacyVersion,
    termsVersion: versions.termsVersion,
  });
  await knex('user_consents').insert({
    userId: user.id,
    kind: 'policies',
    granted: true,
    policyVersion: versions.privacyVersion,
    termsVersion: versions.termsVersion,
  });
  const token = newToken();
  await knex('sessions').insert({
    userId: user.id,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  return { user, token };
}
