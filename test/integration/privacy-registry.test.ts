import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRegistry } from '../../lib/privacy/check-registry';
import { PERSONAL_DATA_REGISTRY } from '../../lib/privacy/registry';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('the personal-data registry against the database catalog', () => {
  it('accounts for every table, user reference and personal-looking column of the migrated database', async () => {
    const gaps = await checkRegistry(db.knex);
    expect(gaps.unregisteredTables, 'tables missing from lib/privacy/registry.ts').toEqual([]);
    expect(gaps.unaccountedColumns, 'columns missing from their registry entry').toEqual([]);
    expect(gaps.staleEntries, 'registry names what the database lacks').toEqual([]);
    expect(gaps.unwritableReplacements, 'anonymizations the schema refuses').toEqual([]);
    // Tables of capabilities not landed yet; each is marked pending in the registry.
    for (const table of gaps.pendingTables)
      expect(PERSONAL_DATA_REGISTRY.find((e) => e.table === table)?.pending).toBeTruthy();
  });

  it('gives every entry a retention and a reason for whatever it keeps', () => {
    for (const entry of PERSONAL_DATA_REGISTRY) {
      expect(entry.retention.length, entry.table).toBeGreaterThan(0);
      for (const action of [entry.deletion, entry.anonymization])
        if (action.kind !== 'delete') expect(action.reason.length, entry.table).toBeGreaterThan(10);
    }
  });

  it('fails for a new table with a user reference, and for a personal-looking column added to a registered table', async () => {
    await db.knex.raw('CREATE TABLE sneaky_notes (id uuid primary key, owner uuid references users(id))');
    await db.knex.raw('ALTER TABLE submissions ADD COLUMN reviewer_email text');
    await db.knex.raw('ALTER TABLE tracks ADD COLUMN author_id uuid references users(id)');
    const gaps = await checkRegistry(db.knex);
    expect(gaps.unregisteredTables.sort()).toEqual(['sneaky_notes', 'tracks']);
    expect(gaps.unaccountedColumns).toEqual(['submissions.reviewer_email']);
  });
});
