import type { Db } from '../knex';
import type { UserRow } from './users';

export interface ActiveVersions {
  activePrivacyVersion: string | null;
  activeTermsVersion: string | null;
}

export const sessionsRepo = {
  create: async (
    db: Db,
    values: {
      userId: string;
      tokenHash: string;
      expiresAt: Date;
      ipAddress?: string | null;
      userAgent?: string | null;
    },
  ) => {
    const [row] = await db('sessions').insert(values).returning(['id', 'expiresAt']);
    return row as { id: string; expiresAt: Date };
  },
  /**
   * The user behind a live session (not revoked, not expired, used within `idleTimeoutMs`),
   * with the policy versions active now (for the consent check), or nothing: one query on
   * every authenticated request.
   */
  findUserByTokenHash: async (
    db: Db,
    tokenHash: string,
    idleTimeoutMs: number,
  ): Promise<{ sessionId: string; lastSeenAt: Date; user: UserRow; activeVersions: ActiveVersions } | undefined> => {
    const row: (UserRow & { sessionId: string; sessionLastSeenAt: Date } & ActiveVersions) | undefined = await db(
      'sessions',
    )
      .join('users', 'users.id', 'sessions.userId')
      .where({ 'sessions.tokenHash': tokenHash, 'users.anonymized': false })
      .whereNull('sessions.revokedAt')
      .where('sessions.expiresAt', '>', db.fn.now())
      .whereRaw('sessions.last_seen_at > now() - make_interval(secs => ?)', [idleTimeoutMs / 1000])
      .first(
        'users.*',
        'sessions.id as sessionId',
        'sessions.lastSeenAt as sessionLastSeenAt',
        db.raw('(SELECT version FROM privacy_policies WHERE active) AS active_privacy_version'),
        db.raw('(SELECT version FROM terms_of_service WHERE active) AS active_terms_version'),
      );
    if (!row) return undefined;
    const { sessionId, sessionLastSeenAt, activePrivacyVersion, activeTermsVersion, ...user } = row;
    return {
      sessionId,
      lastSeenAt: sessionLastSeenAt,
      user,
      activeVersions: { activePrivacyVersion, activeTermsVersion },
    };
  },
  /** Records that the session was just used (the idle timeout counts from here). */
  touch: (db: Db, id: string) => db('sessions').where({ id }).update({ lastSeenAt: db.fn.now() }),
  revoke: (db: Db, id: string) =>
    db('sessions').where({ id }).whereNull('revokedAt').update({ revokedAt: db.fn.now() }),
  revokeAllForUser: (db: Db, userId: string) =>
    db('sessions').where({ userId }).whereNull('revokedAt').update({ revokedAt: db.fn.now() }),
};
