import type { Db } from '../db/knex';
import { hashPassword } from '../auth/passwords';
import { withDbErrors } from '../db/errors';
import { usersRepo, type Role, type UserRow } from '../db/repositories/users';
import { errors } from '../errors';
import { EMAIL_TAKEN } from './sign-up';

export interface CreateUserInput {
  email: string;
  fullName: string;
  role: Role;
  password?: string;
}

const PRIVILEGED: Role[] = ['admin', 'superadmin'];

/**
 * An account created by staff. Only a superadmin may create admins and superadmins.
 * Without a password the user must set one; either way they accept the policies
 * themselves on first use (no consent is given on their behalf).
 */
export async function createUser(db: Db, input: CreateUserInput, creatorRole: Role): Promise<UserRow> {
  if (PRIVILEGED.includes(input.role) && creatorRole !== 'superadmin') {
    throw errors.forbidden('Only a superadmin may create admins.');
  }
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return withDbErrors(
    () =>
      usersRepo.insert(db, {
        email: input.email.toLowerCase(),
        fullName: input.fullName,
        role: input.role,
        passwordHash,
        mustSetPassword: !input.password,
      }),
    { users_email_unique: EMAIL_TAKEN },
  );
}
