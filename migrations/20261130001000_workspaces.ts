import type { Knex } from 'knex';

/** Student database workspaces and the default secret store's encrypted rows. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workspaces', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // One workspace per student (workflow id workspace:<userId>).
    t.uuid('user_id').notNullable().unique().references('users.id').onDelete('CASCADE');
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('schema_name').notNullable();
    t.text('role_name').notNullable();
    t.text('status').notNullable().defaultTo('PROVISIONING');
    t.text('workflow_id').notNullable();
    t.timestamp('provisioned_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('deprovisioned_at', { useTz: true });
    t.timestamps(true, true);
  });
  await knex.raw(
    `ALTER TABLE workspaces ADD CONSTRAINT workspaces_status_check CHECK (status IN ('PROVISIONING','READY','EXPIRING','DEPROVISIONING','DEPROVISIONED','FAILED'))`,
  );

  // AES-256-GCM ciphertext only; key_id names the key that sealed it, so keys can rotate.
  await knex.schema.createTable('secrets', (t) => {
    t.text('name').primary();
    t.text('key_id').notNullable();
    t.binary('iv').notNullable();
    t.binary('ciphertext').notNullable();
    t.binary('auth_tag').notNullable();
    t.timestamps(true, true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('secrets');
  await knex.schema.dropTableIfExists('workspaces');
}
