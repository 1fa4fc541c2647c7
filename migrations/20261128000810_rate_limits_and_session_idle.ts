import type { Knex } from 'knex';

/**
 * Abuse limits shared by every API replica, and session idle timeouts.
 * - rate_limits: rate-limiter-flexible's RateLimiterPostgres table (its own layout:
 *   key, points, expire in epoch ms), created here rather than by the library at run
 *   time. Keys are HMACs of addresses and emails, never the values themselves.
 * - sessions.last_seen_at: when the session was last used (touched at most once a minute).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
    t.index(['expire']);
  });
  await knex.schema.alterTable('sessions', (t) => {
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('last_seen_at');
  });
  await knex.schema.dropTableIfExists('rate_limits');
}
