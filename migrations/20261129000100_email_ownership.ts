import type { Knex } from 'knex';

/**
 * Email ownership: users.email_verified_at, and one table for every single-use account
 * link (set-password, password-reset, verify-email), which set_password_tokens becomes.
 * A token row names the email message that carried it, so a retried delivery can
 * replace the link it sent before. email_messages.link_purpose marks a message whose
 * stored body holds a placeholder and whose delivery mints the real link.
 */
const PURPOSES = `('set-password','password-reset','verify-email')`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('email_verified_at', { useTz: true });
  });
  // A provider-verified email proved the address already; other accounts prove it by a link.
  await knex.raw(
    `UPDATE users SET email_verified_at = now() WHERE id IN (SELECT user_id FROM oauth_accounts) AND NOT anonymized`,
  );

  await knex.schema.renameTable('set_password_tokens', 'account_tokens');
  await knex.schema.alterTable('account_tokens', (t) => {
    t.text('purpose').notNullable().defaultTo('set-password');
    t.uuid('email_message_id').references('email_messages.id').onDelete('SET NULL');
    t.index(['email_message_id']);
  });
  await knex.raw(`ALTER TABLE account_tokens ALTER COLUMN purpose DROP DEFAULT`);
  await knex.raw(
    `ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check CHECK (purpose IN ${PURPOSES})`,
  );

  await knex.schema.alterTable('email_messages', (t) => {
    t.text('link_purpose');
  });
  await knex.raw(
    `ALTER TABLE email_messages ADD CONSTRAINT email_messages_link_purpose_check CHECK (link_purpose IN ${PURPOSES})`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_messages', (t) => {
    t.dropColumn('link_purpose');
  });
  await knex('account_tokens').whereNot({ purpose: 'set-password' }).delete();
  await knex.schema.alterTable('account_tokens', (t) => {
    t.dropColumn('email_message_id');
    t.dropColumn('purpose');
  });
  await knex.schema.renameTable('account_tokens', 'set_password_tokens');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('email_verified_at');
  });
}
