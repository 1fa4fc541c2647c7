import type { Knex } from 'knex';

/**
 * One certificate per user and track. `verification_code` is the normalized code (16
 * Crockford base32 characters, 80 random bits); `holder_name` is the name as it was at
 * issuance. The PDF's blob key and SHA-256 are filled in once it is rendered.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('certificates', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('track_code').notNullable().references('tracks.code');
    t.text('verification_code').notNullable().unique();
    t.text('holder_name').notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('pdf_blob_key');
    t.text('pdf_sha256');
    t.integer('pdf_size');
    t.timestamp('revoked_at', { useTz: true });
    t.text('revocation_reason');
    t.uuid('revoked_by').references('users.id').onDelete('SET NULL');
    t.timestamps(true, true);
    t.unique(['user_id', 'track_code']);
  });
  await knex.raw(
    `ALTER TABLE certificates ADD CONSTRAINT certificates_code_check CHECK (verification_code ~ '^[0-9A-HJKMNP-TV-Z]{16}$')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('certificates');
}
