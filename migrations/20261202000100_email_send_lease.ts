import type { Knex } from 'knex';

/**
 * email_messages.send_lease_until: the attempt handing a QUEUED message to the provider
 * holds it until then, so two attempts of one key at once (an activity task redelivered
 * around a Temporal restart) send once; a crashed attempt's lease runs out.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_messages', (t) => {
    t.timestamp('send_lease_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_messages', (t) => {
    t.dropColumn('send_lease_until');
  });
}
