import type { Db } from '../db/knex';
import { withDbErrors } from '../db/errors';
import { POLICY_TABLE, type PolicyKind, type PolicyRow } from '../db/repositories/policies';

export interface PolicyInput {
  kind: PolicyKind;
  version: string;
  content: string;
  effectiveDate: string;
  activate: boolean;
}

/**
 * Publishes a policy version; with `activate` the previous active version is switched off
 * in the same transaction (pass one), so exactly one version is ever active. The row lock
 * on the active version serialises concurrent activations.
 */
export async function publishPolicy(db: Db, input: PolicyInput, createdBy: string): Promise<PolicyRow> {
  const table = POLICY_TABLE[input.kind];
  if (input.activate) {
    await db(table).where({ active: true }).forUpdate().select('id');
    await db(table).where({ active: true }).update({ active: false });
  }
  const [row] = await withDbErrors(
    () =>
      db(table)
        .insert({
          version: input.version,
          content: input.content,
          effectiveDate: input.effectiveDate,
          active: input.activate,
          activatedAt: input.activate ? db.fn.now() : null,
          createdBy,
        })
        .returning(['id', 'version', 'content', 'effectiveDate', 'active', 'createdAt']),
    {
      [`${table}_version_unique`]: 'This version already exists.',
      [`${table}_one_active`]: 'Another version was activated at the same time; retry.',
    },
  );
  return row as PolicyRow;
}
