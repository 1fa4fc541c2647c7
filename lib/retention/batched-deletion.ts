import type { Knex } from '../db/knex';
import type { BatchResult, DeletionPolicy, RetentionContext } from './policy';

interface Condition {
  sql: string;
  bindings: Knex.RawBinding[];
}

interface BatchedDeletionSpec {
  name: string;
  description: string;
  table: string;
  /** A unique, ordered column: batches walk it so none rescans rows already deleted. */
  key: string;
  /** The expiry condition on the table's rows (qualified by the table name where it matters). */
  where: (ctx: RetentionContext) => Condition;
}

/**
 * A deletion policy from a table, its key and its expiry condition. A batch locks the
 * next `limit` expired rows after `cursor` (SKIP LOCKED: rows a writer holds wait for the
 * next run) and deletes them in one statement.
 */
export function batchedDeletion(spec: BatchedDeletionSpec): DeletionPolicy {
  const { table, key } = spec;
  return {
    kind: 'delete',
    name: spec.name,
    description: spec.description,

    async countDue(db, ctx) {
      const where = spec.where(ctx);
      const result = await db.raw(`SELECT count(*)::bigint AS n FROM ${table} WHERE ${where.sql}`, where.bindings);
      return Number((result.rows as { n: number }[])[0]!.n);
    },

    async deleteBatch(db, ctx, cursor, limit): Promise<BatchResult> {
      const where = spec.where(ctx);
      const after = cursor === null ? '' : `${table}.${key} > ? AND `;
      const result = await db.raw(
        `WITH batch AS (
           SELECT ${key} FROM ${table} WHERE ${after}${where.sql}
           ORDER BY ${key} LIMIT ? FOR UPDATE SKIP LOCKED
         ), gone AS (
           DELETE FROM ${table} t USING batch WHERE t.${key} = batch.${key} RETURNING t.${key} AS k
         )
         SELECT (SELECT count(*) FROM batch)::bigint AS picked, (SELECT count(*) FROM gone)::bigint AS handled,
                (SELECT ${key}::text FROM batch ORDER BY ${key} DESC LIMIT 1) AS last`,
        [...(cursor === null ? [] : [cursor]), ...where.bindings, limit],
      );
      const row = (result.rows as { picked: number; handled: number; last: string | null }[])[0]!;
      return { handled: Number(row.handled), cursor: row.last ?? cursor, done: Number(row.picked) < limit };
    },
  };
}
