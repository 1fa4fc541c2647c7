import type { Knex } from 'knex';

/**
 * What Cohort did with each Stripe event once processed: `routed` to a saga, `ignored`,
 * or `unknown-payment` (a refund or dispute of a payment Cohort never recorded, reported
 * too late to wait for it: acknowledged, admins alerted). Rows processed before this
 * column stay NULL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stripe_events', (t) => {
    t.text('outcome');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stripe_events', (t) => {
    t.dropColumn('outcome');
  });
}
