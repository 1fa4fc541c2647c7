import type { Knex } from 'knex';

/**
 * deletion_requests.processor_references: what each processor answered to the erasure
 * (Postmark's data-removal id), written as soon as it answers, so a retried activity
 * does not ask twice and the erasure report can name it. Ids only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deletion_requests', (t) => {
    t.jsonb('processor_references').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deletion_requests', (t) => {
    t.dropColumn('processor_references');
  });
}
