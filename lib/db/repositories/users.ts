import type { Db } from '../knex';

import type { Role } from '../../domain/roles';

export type { Role };

export interface UserRow {
  id: string;
  email: string;
  passwordHash: string | null;
  fullName: string;
  role: Role;
  privacyAccepted: boolean;
  privacyAcceptedAt: Date | null;
  privacyVersion: string | null;
  termsVersion: string | null;
  dataRetentionConsent: boolean;
  marketingConsent: boolean;
  accountDeletionRequested: boolean;
  accountDeletionRequestedAt: Date | null;
  anonymized: boolean;
  anonymizedAt: Date | null;
  legalHold: boolean;
  legalHoldReason: string | null;
  legalHoldAt: Date | null;
  mustSetPassword: boolean;
  /** When the user proved they own the address (a link spent, a provider's verified email); null until then. */
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const usersRepo = {
  findById: (db: Db, id: string): Promise<UserRow | undefined> => db('users').where({ id }).first(),
  findByEmail: (db: Db, email: string): Promise<UserRow | undefined> =>
    db('users').whereRaw('lower(email) = lower(?)', [email]).first(),
  isStudent: async (db: Db, id: string): Promise<boolean> =>
    Boolean(await db('users').where({ id, role: 'student' }).first('id')),
  insert: async (db: Db, values: Partial<UserRow> & Pick<UserRow, 'email' | 'fullName'>): Promise<UserRow> => {
    const [row] = await db('users').insert(values).returning('*');
    return row;
  },
  update: async (db: Db, id: string, values: Partial<UserRow>): Promise<UserRow | undefined> => {
    const [row] = await db('users')
      .where({ id })
      .update({ ...values, updatedAt: db.fn.now() })
      .returning('*');
    return row;
  },
};
