import type { Knex } from 'knex';

/**
 * Privacy rights: one row per deletion or anonymization request (the erasure report is
 * stored on it, ids and counts only) and one per data export (its archive is a blob).
 * `captured_email` is the one place the address survives erasure, so the final
 * "account deleted" message can be sent; it is nulled once that message is handed over.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deletion_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // DELETION waits out the cool-off; ANONYMIZATION runs at once and keeps learning records.
    t.text('kind').notNullable();
    t.text('status').notNullable().defaultTo('SCHEDULED');
    t.text('workflow_id').notNullable();
    t.uuid('requested_by').references('id').inTable('users').onDelete('SET NULL');
    t.text('captured_email');
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('scheduled_for', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamp('erased_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.jsonb('report');
    t.index(['user_id', 'requested_at']);
  });
  await knex.raw(
    `ALTER TABLE deletion_requests ADD CONSTRAINT deletion_requests_kind_check CHECK (kind IN ('DELETION','ANONYMIZATION'))`,
  );
  await knex.raw(
    `ALTER TABLE deletion_requests ADD CONSTRAINT deletion_requests_status_check
       CHECK (status IN ('SCHEDULED','CANCELLED','ERASING','COMPLETED'))`,
  );
  // One open request per user: a second DELETE lands on the first.
  await knex.raw(
    `CREATE UNIQUE INDEX deletion_requests_one_open ON deletion_requests (user_id) WHERE status IN ('SCHEDULED','ERASING')`,
  );

  await knex.schema.createTable('data_exports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('RUNNING');
    t.text('workflow_id').notNullable();
    t.text('blob_key');
    t.text('sha256');
    t.bigInteger('size_bytes');
    t.jsonb('counts');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ready_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    t.index(['user_id', 'created_at']);
  });
  await knex.raw(
    `ALTER TABLE data_exports ADD CONSTRAINT data_exports_status_check CHECK (status IN ('RUNNING','READY','EXPIRED','FAILED'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('data_exports');
  await knex.schema.dropTableIfExists('deletion_requests');
}
