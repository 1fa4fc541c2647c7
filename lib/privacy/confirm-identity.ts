import { verifyPassword } from '../auth/passwords';
import type { Db } from '../db/knex';
import type { UserRow } from '../db/repositories/users';
import { errors } from '../errors';

/** An OAuth-only user proves it is them by a sign-in at most this long ago. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;

/**
 * Re-checks who asks before an irreversible step: the password, or, for an account with
 * none (OAuth-only), a session opened within RECENT_SIGN_IN_MS.
 */
export async function confirmIdentity(
  db: Db,
  user: UserRow,
  sessionId: string,
  password: string | undefined,
  now = Date.now(),
): Promise<void> {
  if (user.passwordHash) {
    if (password === undefined)
      throw errors.validation('Confirm with your password.', [{ path: 'password', message: 'required' }]);
    if (!(await verifyPassword(user.passwordHash, password)))
      throw errors.unauthenticated('The password is not correct.');
    return;
  }
  const session: { createdAt: Date } | undefined = await db('sessions').where({ id: sessionId }).first('createdAt');
  if (!session || now - session.createdAt.getTime() > RECENT_SIGN_IN_MS)
    throw errors.unauthenticated('Sign in again (within the last 10 minutes) to confirm it is you.');
}
