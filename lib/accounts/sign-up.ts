import type { Db } from '../db/knex';
import { withDbErrors } from '../db/errors';
import { usersRepo, type UserRow } from '../db/repositories/users';
import type { RequestContext } from './create-session';
import { ensureActiveVersions } from './ensure-active-versions';
import { recordConsent } from './record-consent';

export interface SignUpInput {
  email: string;
  /** Hashed before the transaction opens, so no connection waits on argon2. */
  passwordHash: string;
  fullName: string;
  acceptPrivacyVersion: string;
  acceptTermsVersion: string;
  marketingConsent?: boolean;
  dataRetentionConsent?: boolean;
}

export const EMAIL_TAKEN = 'An account with this email already exists.';

/**
 * A student account with its GDPR fields and consent records. Pass a transaction: the
 * user and its consent rows are written together. A taken email surfaces as 409 from
 * the unique index users_email_unique, which also settles concurrent sign-ups.
 */
export async function signUp(db: Db, input: SignUpInput, context: RequestContext): Promise<UserRow> {
  const versions = await ensureActiveVersions(db, input.acceptPrivacyVersion, input.acceptTermsVersion);
  const now = new Date();
  const user = await withDbErrors(
    () =>
      usersRepo.insert(db, {
        email: input.email.toLowerCase(),
        passwordHash: input.passwordHash,
        fullName: input.fullName,
        role: 'student',
        privacyAccepted: true,
        privacyAcceptedAt: now,
        privacyVersion: versions.privacyVersion,
        termsVersion: versions.termsVersion,
        marketingConsent: input.marketingConsent ?? false,
        dataRetentionConsent: input.dataRetentionConsent ?? false,
      }),
    { users_email_unique: EMAIL_TAKEN },
  );
  await recordConsent(
    db,
    user.id,
    { kind: 'policies', granted: true, policyVersion: versions.privacyVersion, termsVersion: versions.termsVersion },
    context,
  );
  if (input.marketingConsent) await recordConsent(db, user.id, { kind: 'marketing', granted: true }, context);
  if (input.dataRetentionConsent) await recordConsent(db, user.id, { kind: 'data_retention', granted: true }, context);
  return user;
}
