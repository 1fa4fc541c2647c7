import type { Db } from '../db/knex';
import { NOT_PERSONAL_TABLES, PERSONAL_DATA_REGISTRY, PERSONAL_LOOKING_COLUMN, registryEntry } from './registry';

export interface RegistryGaps {
  /** Tables neither registered nor explained as holding nothing personal. */
  unregisteredTables: string[];
  /** `table.column`: a user reference or personal-looking column the registry does not account for. */
  unaccountedColumns: string[];
  /** `table.column` the registry names but the database lacks (tables marked pending excepted). */
  staleEntries: string[];
  /** `table.column` an anonymization sets to null although the column is NOT NULL, or that does not exist. */
  unwritableReplacements: string[];
  /** Registered tables not in the database yet (their capability has not landed). */
  pendingTables: string[];
}

/** Compares the registry with the database catalog: what a new migration added and the registry missed. */
export async function checkRegistry(db: Db): Promise<RegistryGaps> {
  const rows: { tableName: string; columnName: string; isNullable: string }[] = await db
    .select('table_name', 'column_name', 'is_nullable')
    .from('information_schema.columns')
    .where('table_schema', 'public');
  const columns = new Map<string, string[]>();
  for (const { tableName, columnName } of rows) columns.set(tableName, [...(columns.get(tableName) ?? []), columnName]);
  const refs = await db.raw<{ rows: { tableName: string; columnName: string }[] }>(`
    SELECT kcu.table_name, kcu.column_name
      FROM information_schema.referential_constraints rc
      JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
      JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name
     WHERE ccu.table_name = 'users' AND kcu.table_schema = 'public'`);
  const userReferences = new Set(refs.rows.map((r) => `${r.tableName}.${r.columnName}`));
  const suspect = (table: string, column: string) =>
    userReferences.has(`${table}.${column}`) || PERSONAL_LOOKING_COLUMN.test(column);

  const nullable = new Set(rows.filter((r) => r.isNullable === 'YES').map((r) => `${r.tableName}.${r.columnName}`));
  const gaps: RegistryGaps = {
    unregisteredTables: [],
    unaccountedColumns: [],
    staleEntries: [],
    unwritableReplacements: [],
    pendingTables: [],
  };
  for (const [table, cols] of columns) {
    const entry = registryEntry(table);
    if (!entry) {
      const explained = table in NOT_PERSONAL_TABLES;
      // Admin authorship of policy texts (created_by) is the one user reference an explained table may hold.
      const refsLeft = cols.filter((c) => userReferences.has(`${table}.${c}`) && c !== 'created_by');
      if (!explained || refsLeft.length > 0) gaps.unregisteredTables.push(table);
      continue;
    }
    for (const column of cols)
      if (suspect(table, column) && !entry.personal.includes(column) && !(column in (entry.notPersonal ?? {})))
        gaps.unaccountedColumns.push(`${table}.${column}`);
  }
  for (const entry of PERSONAL_DATA_REGISTRY) {
    const present = columns.get(entry.table);
    if (!present) {
      if (entry.pending) gaps.pendingTables.push(entry.table);
      else gaps.staleEntries.push(entry.table);
      continue;
    }
    for (const action of [entry.deletion, entry.anonymization]) {
      if (action.kind !== 'anonymize') continue;
      for (const [key, value] of Object.entries(action.set)) {
        const column = `${entry.table}.${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
        const exists = present.includes(column.split('.')[1]!);
        if (!exists || (value === null && !nullable.has(column))) gaps.unwritableReplacements.push(column);
      }
    }
    const named = [...entry.personal, ...Object.keys(entry.notPersonal ?? {}), ...(entry.export?.columns ?? [])];
    for (const column of named) if (!present.includes(column)) gaps.staleEntries.push(`${entry.table}.${column}`);
  }
  return gaps;
}
