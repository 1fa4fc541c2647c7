import type { Knex } from 'knex';

/**
 * One row per Slack alert post, unique on the alert's idempotency key (workflow id +
 * step), so a retried activity does not post an alert Slack already took. Ids and states
 * only: the alert text is not stored.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('slack_posts', (t) => {
    t.text('idempotency_key').primary();
    t.text('kind').notNullable();
    // POSTING while an attempt holds the claim; POSTED once Slack answered 2xx; REJECTED on a 4xx.
    t.text('status').notNullable().defaultTo('POSTING');
    t.integer('attempts').notNullable().defaultTo(0);
    // An attempt that died mid-post (a worker crash) leaves its claim; the next one may take it after this.
    t.timestamp('claimed_until', { useTz: true });
    t.text('last_error');
    t.timestamp('posted_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['created_at']);
  });
  await knex.raw(
    `ALTER TABLE slack_posts ADD CONSTRAINT slack_posts_status_check CHECK (status IN ('POSTING','POSTED','REJECTED'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('slack_posts');
}
