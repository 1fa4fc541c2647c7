import type { Db } from '../db/knex';
import type { RequestContext } from './create-session';

export type ConsentKind = 'policies' | 'marketing' | 'data_retention';

export interface ConsentRecord {
  id: string;
  kind: ConsentKind;
  granted: boolean;
  policyVersion: string | null;
  termsVersion: string | null;
  acceptedAt: Date;
}

/** Appends one consent row (user_consents is append-only: withdrawal is a new row). */
export async function recordConsent(
  db: Db,
  userId: string,
  consent: { kind: ConsentKind; granted: boolean; policyVersion?: string | null; termsVersion?: string | null },
  context: RequestContext,
): Promise<ConsentRecord> {
  const [row] = await db('user_consents')
    .insert({
      userId,
      kind: consent.kind,
      granted: consent.granted,
      policyVersion: consent.policyVersion ?? null,
      termsVersion: consent.termsVersion ?? null,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent?.slice(0, 500) ?? null,
    })
    .returning(['id', 'kind', 'granted', 'policyVersion', 'termsVersion', 'acceptedAt']);
  return row as ConsentRecord;
}
