import type { Db } from '../db/knex';
import { policiesRepo } from '../db/repositories/policies';
import { errors } from '../errors';

/**
 * Throws 422 consent_required (naming the versions to accept) unless the caller accepted
 * exactly the active privacy policy and terms. Returns those versions.
 */
export async function ensureActiveVersions(
  db: Db,
  privacyVersion: string,
  termsVersion: string,
): Promise<{ privacyVersion: string; termsVersion: string }> {
  const active = await policiesRepo.activeVersions(db);
  if (
    !active.privacyVersion ||
    !active.termsVersion ||
    active.privacyVersion !== privacyVersion ||
    active.termsVersion !== termsVersion
  ) {
    throw errors.consentRequired(
      'Accept the current privacy policy and terms.',
      { privacyVersion: active.privacyVersion, termsVersion: active.termsVersion },
      422,
    );
  }
  return { privacyVersion: active.privacyVersion, termsVersion: active.termsVersion };
}
