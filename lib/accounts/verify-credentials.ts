import type { Db } from '../db/knex';
import { verifyPassword } from '../auth/passwords';
import { usersRepo, type UserRow } from '../db/repositories/users';

/**
 * The user whose email and password match, else `{ user: undefined }`. Unknown emails
 * cost the same password check, so timing does not tell them apart. `knownUserId` lets
 * the audit log attribute a failed attempt without storing the email.
 */
export async function verifyCredentials(
  db: Db,
  email: string,
  password: string,
): Promise<{ user?: UserRow; knownUserId?: string }> {
  const found = await usersRepo.findByEmail(db, email);
  const usable = found && !found.anonymized ? found : undefined;
  const ok = await verifyPassword(usable?.passwordHash, password);
  return ok && usable ? { user: usable, knownUserId: usable.id } : { knownUserId: usable?.id };
}
