import type { Db } from '../db/knex';
import { usersRepo, type UserRow } from '../db/repositories/users';
import { errors } from '../errors';
import type { RequestContext } from './create-session';
import { recordConsent, type ConsentKind } from './record-consent';

export interface ProfilePatch {
  fullName?: string;
  marketingConsent?: boolean;
  dataRetentionConsent?: boolean;
}

export interface ConsentChange {
  kind: ConsentKind;
  granted: boolean;
}

/**
 * Applies a profile change. Giving or withdrawing a consent is the same one-field change,
 * and each actual change appends a user_consents row. Pass a transaction.
 */
export async function updateProfile(
  db: Db,
  userId: string,
  patch: ProfilePatch,
  context: RequestContext,
): Promise<{ user: UserRow; consentChanges: ConsentChange[]; nameChanged: boolean }> {
  const current: UserRow | undefined = await db('users').where({ id: userId }).forUpdate().first();
  if (!current) throw errors.notFound('User');
  const consentChanges: ConsentChange[] = [];
  if (patch.marketingConsent !== undefined && patch.marketingConsent !== current.marketingConsent) {
    consentChanges.push({ kind: 'marketing', granted: patch.marketingConsent });
  }
  if (patch.dataRetentionConsent !== undefined && patch.dataRetentionConsent !== current.dataRetentionConsent) {
    consentChanges.push({ kind: 'data_retention', granted: patch.dataRetentionConsent });
  }
  const nameChanged = patch.fullName !== undefined && patch.fullName !== current.fullName;
  if (!nameChanged && consentChanges.length === 0) return { user: current, consentChanges, nameChanged };
  for (const change of consentChanges) await recordConsent(db, userId, change, context);
  const user = await usersRepo.update(db, userId, {
    ...(nameChanged ? { fullName: patch.fullName } : {}),
    ...(patch.marketingConsent !== undefined ? { marketingConsent: patch.marketingConsent } : {}),
    ...(patch.dataRetentionConsent !== undefined ? { dataRetentionConsent: patch.dataRetentionConsent } : {}),
  });
  return { user: user!, consentChanges, nameChanged };
}
