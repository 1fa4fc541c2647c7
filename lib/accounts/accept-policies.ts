import type { Db } from '../db/knex';
import { usersRepo } from '../db/repositories/users';
import type { RequestContext } from './create-session';
import { ensureActiveVersions } from './ensure-active-versions';
import { recordConsent, type ConsentRecord } from './record-consent';

/** Records acceptance of the active privacy policy and terms and updates the user's fields. */
export async function acceptPolicies(
  db: Db,
  userId: string,
  versions: { privacyVersion: string; termsVersion: string },
  context: RequestContext,
): Promise<ConsentRecord> {
  const active = await ensureActiveVersions(db, versions.privacyVersion, versions.termsVersion);
  const consent = await recordConsent(
    db,
    userId,
    { kind: 'policies', granted: true, policyVersion: active.privacyVersion, termsVersion: active.termsVersion },
    context,
  );
  await usersRepo.update(db, userId, {
    privacyAccepted: true,
    privacyAcceptedAt: consent.acceptedAt,
    privacyVersion: active.privacyVersion,
    termsVersion: active.termsVersion,
  });
  return consent;
}
