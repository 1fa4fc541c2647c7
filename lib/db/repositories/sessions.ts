import type { Db } from '../knex';
import type { UserRow } from './users';

export const sessionsRepo = {
  create: async (db: Db, values: { userId: string; tokenHash: string; expiresAt: Date; ipAddress?: string | null; userAgent?: string | null }) => {
    const [row] = await db('sessions').insert(values).returning(['id', 'expiresAt']);
    return row as { id: string; expiresAt: Date };
  },
  /** The user behind a live session, or nothing. */
  findUserByTokenHash: async (db: Db, tokenHash: string): Promise<{ sessionId: string; user: UserRow } | undefined> => {
    const session = await db('sessions')
      .where({ tokenHash })
      .whereNull('revokedAt')
      .where('expiresAt', '>', db.fn.now())
      .first('id', 'userId');
    if (!session) return undefined;
    const user: UserRow | undefined = await db('users').where({ id: session.userId, anonymized: false }).first();
    return user ? { sessionId: session.id, user } : undefined;
  },
  revoke: (db: Db, id: string) => db('sessions').where({ id }).whereNull('revokedAt').update({ revokedAt: db.fn.now() }),
  revokeAllForUser: (db: Db, userId: string) =>
    db('sessions').where({ userId }).whereNull('revokedAt').update({ revokedAt: db.fn.now() }),
};
