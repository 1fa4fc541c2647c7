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
   * The user behind a live session, with the policy versions active now (for the consent
   * check), or nothing: one query on every authenticated request.
   */
  findUserByTokenHash: async (
    db: Db,
    tokenHash: string,
  ): Promise<{ sessionId: string; user: UserRow; activeVersions: ActiveVersions } | undefined> => {
    const row: (UserRow & { sessionId: string } & ActiveVersions) | undefined = await db('sessions')
      .join('users', 'users.id', 'sessions.userId')
      .where({ 'sessions.tokenHash': tokenHash, 'users.anonymized': false })
      .whereNull('sessions.revokedAt')
      .where('sessions.expiresAt', '>', db.fn.now())
      .first(
        'users.*',
        'sessions.id as sessionId',
        db.raw('(SELECT version FROM privacy_policies WHERE active) AS active_privacy_version'),
        db.raw('(SELECT version FROM terms_of_service WHERE active) AS active_terms_version'),
      );
    if (!row) return undefined;
    const { sessionId, activePrivacyVersion, activeTermsVersion, ...user } = row;
    return { sessionId, user, activeVersions: { activePrivacyVersion, activeTermsVersion } };
  },
  revoke: (db: Db, id: string) =>
    db('sessions').where({ id }).whereNull('revokedAt').update({ revokedAt: db.fn.now() }),
  revokeAllForUser: (db: Db, userId: string) =>
    db('sessions').where({ userId }).whereNull('revokedAt').update({ revokedAt: db.fn.now() }),
};
