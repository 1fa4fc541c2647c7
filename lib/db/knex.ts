import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../../migrations/index';

// DATE columns come back as 'YYYY-MM-DD' strings, not midnight in the local zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// bigint counts (COUNT(*), bigserial) fit in a JS number here.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const toSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function camelizeRow(row: unknown): unknown {
  if (row === null || typeof row !== 'object' || row instanceof Date || Array.isArray(row)) return row;
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [toCamel(key), value]));
}

/** Knex with camelCase in code and snake_case in the database. */
export function createKnex(connectionString: string, pool: { min?: number; max?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: connectionString,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    wrapIdentifier: (value, origImpl) => origImpl(value === '*' ? value : toSnake(value)),
    postProcessResponse: (result: unknown) => {
      if (Array.isArray(result)) return result.map(camelizeRow);
      if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) {
        return { ...result, rows: result.rows.map(camelizeRow) };
      }
      return camelizeRow(result);
    },
  });
}

export async function migrateLatest(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource });
}

export async function migrateRollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource }, true);
}

export type Db = Knex | Knex.Transaction;

/** Whether the database answers (readiness). */
export async function ping(db: Db): Promise<void> {
  await db.raw('select 1');
}
export type { Knex };
