import type { Db } from '../db/knex';
import { hashToken, newToken } from '../auth/tokens';
import { sessionsRepo } from '../db/repositories/sessions';

export interface RequestContext {
  ipAddress: string | null;
  userAgent: string | null;
}

/** A server-side session; only the token's hash is stored, the token goes to the caller once. */
export async function createSession(
  db: Db,
  userId: string,
  ttlMs: number,
  context: RequestContext,
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = newToken();
  const session = await sessionsRepo.create(db, {
    userId,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + ttlMs),
    ipAddress: context.ipAddress,
    userAgent: context.userAgent?.slice(0, 500) ?? null,
  });
  return { token, sessionId: session.id, expiresAt: session.expiresAt };
}
