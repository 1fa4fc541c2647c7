import type { Db } from '../db/knex';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { errors } from '../errors';

/** Places (reason given) or lifts (reason null) a legal hold, which pauses erasure and retention. */
export async function setLegalHold(db: Db, userId: string, reason: string | null): Promise<UserRow> {
  const user = await usersRepo.update(db, userId, {
    legalHold: reason !== null,
    legalHoldReason: reason,
    legalHoldAt: reason !== null ? new Date() : null,
  });
  if (!user) throw errors.notFound('User');
  return user;
}
