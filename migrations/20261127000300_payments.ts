import type { Knex } from 'knex';

/** Payments and the Stripe events already seen. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').references('users.id').onDelete('SET NULL');
    t.uuid('enrollment_id').references('enrollments.id').onDelete('SET NULL');
    t.text('track_code').notNullable();
    t.text('stripe_checkout_session_id').notNullable().unique();
    t.text('stripe_payment_intent_id');
    t.integer('amount_cents').notNullable();
    t.text('currency').notNullable();
    t.text('status').notNullable().defaultTo('PAID');
    t.timestamp('paid_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('refunded_at', { useTz: true });
    t.text('stripe_refund_id');
    t.timestamp('disputed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['user_id']);
    t.index(['paid_at']);
  });
  await knex.raw(
    `ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PAID','REFUNDED','DISPUTED'))`,
  );

  // Only ids and types: Stripe payloads carry customer personal data.
  await knex.schema.createTable('stripe_events', (t) => {
    t.text('id').primary();
    t.text('type').notNullable();
    t.text('object_id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.index(['received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('stripe_events');
  await knex.schema.dropTableIfExists('payments');
}
