import type { Knex } from 'knex';

/**
 * An admin's suspend or reinstate, stored by the API before it asks the onboarding
 * workflow to apply it: the Update then carries only this row's id, so the admin's
 * free-text reason and IP address never enter a Temporal history. Once decided, the
 * reason and address are cleared (they live on in the enrollment row and audit log).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('enrollment_status_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('enrollment_id').notNullable().references('enrollments.id').onDelete('CASCADE');
    t.text('action').notNullable();
    t.text('reason');
    t.uuid('actor_id').references('users.id').onDelete('SET NULL');
    t.text('ip_address');
    // NULL while pending; 'applied' or 'refused' once the workflow's activity decided.
    t.text('outcome');
    t.text('from_status');
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['enrollment_id']);
  });
  await knex.raw(
    `ALTER TABLE enrollment_status_requests ADD CONSTRAINT enrollment_status_requests_action_check CHECK (action IN ('suspend','reinstate'))`,
  );
  await knex.raw(
    `ALTER TABLE enrollment_status_requests ADD CONSTRAINT enrollment_status_requests_outcome_check CHECK (outcome IN ('applied','refused'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('enrollment_status_requests');
}
