import { createKnex, migrateLatest } from '../lib/db/knex';
import { seedAll } from '../lib/db/seed/index';
import { resolveDatabase } from './lib/database';

/** Migrates the platform database and seeds the curriculum and first policies. */
const db = await resolveDatabase();
const knex = createKnex(db.url, { max: 2 });
try {
  await migrateLatest(knex);
  await seedAll(knex);
  process.stdout.write(`database migrated and seeded (${db.source})\n`);
} finally {
  await knex.destroy();
  await db.stop();
}
