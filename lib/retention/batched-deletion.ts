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
  /** The expiry condition on the table's rows (qualified by the table name where it matters). */
  where: (ctx: RetentionContext) => Condition;
}

/**
 * A deletion policy from a table and its expiry condition. Batches walk the table's heap
 * in block ranges (a TID range scan: `ctid` from block `cursor` to `cursor + limit`),
 * so each statement reads each page once, never rescans rows already deleted, needs no
 * index, and deletes at nearly the speed of one plain DELETE while holding its row
 * locks only for its own short duration. Rows appended after the run began are fresh.
 */
export function batchedDeletion(spec: BatchedDeletionSpec): DeletionPolicy {
  const { table } = spec;
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
      const from = cursor === null ? 0 : Number(cursor);
      const to = from + limit;
      const deleted = await db.raw(
        `DELETE FROM ${table} WHERE ${table}.ctid >= ?::tid AND ${table}.ctid < ?::tid AND ${where.sql}`,
        [`(${from},0)`, `(${to},0)`, ...where.bindings],
      );
      const size = await db.raw(
        `SELECT pg_relation_size(?::regclass) / current_setting('block_size')::bigint AS blocks`,
        [table],
      );
      const blocks = Number((size.rows as { blocks: number }[])[0]!.blocks);
      return { handled: (deleted as { rowCount: number }).rowCount, cursor: String(to), done: to >= blocks };
    },
  };
}
