import type { Db } from '../knex';

export type PolicyKind = 'privacy' | 'terms';
export const POLICY_TABLE: Record<PolicyKind, string> = { privacy: 'privacy_policies', terms: 'terms_of_service' };

export interface PolicyRow {
  id: string;
  version: string;
  content: string;
  effectiveDate: string;
  active: boolean;
  createdAt: Date;
}

export const policiesRepo = {
  active: (db: Db, kind: PolicyKind): Promise<PolicyRow | undefined> =>
    db(POLICY_TABLE[kind]).where({ active: true }).first(),
  /** The versions a user must have accepted, read together. */
  activeVersions: async (db: Db): Promise<{ privacyVersion: string | null; termsVersion: string | null }> => {
    const row = await db.raw(
      `SELECT (SELECT version FROM privacy_policies WHERE active) AS privacy_version,
              (SELECT version FROM terms_of_service WHERE active) AS terms_version`,
    );
    const first = row.rows[0] as { privacyVersion: string | null; termsVersion: string | null };
    return first;
  },
};
