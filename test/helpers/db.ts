import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createKnex, type Knex } from '../../lib/db/knex';
import { adminUrl, databaseUrl } from './pg-url';

export interface TestDatabase {
  url: string;
  name: string;
  knex: Knex;
  drop(): Promise<void>;
}

/** A fresh, migrated and seeded database copied from the run's template (fast: a file copy). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cohort_t_${inject('runId')}_${randomBytes(6).toString('hex')}`;
  const admin = createKnex(adminUrl(), { max: 1 });
  try {
    await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  } finally {
    await admin.destroy();
  }
  const url = databaseUrl(name);
  const knex = createKnex(url);
  return {
    url,
    name,
    knex,
    async drop() {
      await knex.destroy();
      const dropper = createKnex(adminUrl(), { max: 1 });
      await dropper.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.destroy();
    },
  };
}
