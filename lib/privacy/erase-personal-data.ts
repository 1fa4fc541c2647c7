import type { Db } from '../db/knex';
import { PERSONAL_DATA_REGISTRY, type Replacement } from './registry';

export type ErasureMode = 'deletion' | 'anonymization';

/** One line of the erasure report: ids and counts, never data. */
export interface ErasureLine {
  table: string;
  action: 'delete' | 'anonymize' | 'keep' | 'skipped';
  rows: number;
  /** Why rows were kept, or why the table was skipped. */
  reason?: string;
}

/** The pseudonym an erased user's row carries: unique, and says nothing about the person. */
export const pseudonymEmail = (userId: string) => `erased+${userId}@erased.invalid`;
export const PSEUDONYM_NAME = 'Erased user';

function resolve(value: Replacement, userId: string, now: Date): unknown {
  if (value === 'now') return now;
  if (value && typeof value === 'object') return value.pseudonym === 'email' ? pseudonymEmail(userId) : PSEUDONYM_NAME;
  return value;
}

/** The registered tables this database has (capabilities still to land are skipped). */
async function presentTables(db: Db): Promise<Set<string>> {
  const rows: { tableName: string }[] = await db
    .select('table_name')
    .from('information_schema.tables')
    .where('table_schema', 'public')
    .whereIn(
      'table_name',
      PERSONAL_DATA_REGISTRY.map((e) => e.table),
    );
  return new Set(rows.map((r) => r.tableName));
}

/**
 * Erases or anonymizes the user's rows in every table the registry lists, in its order,
 * as its action for `mode` says. Idempotent: a second run finds nothing left to change
 * (deleted rows are gone, anonymized ones are written with the same values). Pass a
 * transaction so the erasure commits whole.
 */
export async function erasePersonalData(
  db: Db,
  userId: string,
  mode: ErasureMode,
  now = new Date(),
): Promise<ErasureLine[]> {
  const present = await presentTables(db);
  const lines: ErasureLine[] = [];
  for (const entry of PERSONAL_DATA_REGISTRY) {
    if (!present.has(entry.table)) {
      lines.push({ table: entry.table, action: 'skipped', rows: 0, reason: entry.pending ?? 'table missing' });
      continue;
    }
    const action = entry[mode];
    const rows = entry.rowsOf(db, userId);
    if (action.kind === 'delete') {
      lines.push({ table: entry.table, action: 'delete', rows: await rows.delete() });
    } else if (action.kind === 'anonymize') {
      const set = Object.fromEntries(Object.entries(action.set).map(([k, v]) => [k, resolve(v, userId, now)]));
      lines.push({ table: entry.table, action: 'anonymize', rows: await rows.update(set), reason: action.reason });
    } else {
      const [{ count }] = (await rows.count({ count: '*' })) as [{ count: number }];
      lines.push({ table: entry.table, action: 'keep', rows: Number(count), reason: action.reason });
    }
  }
  return lines;
}
