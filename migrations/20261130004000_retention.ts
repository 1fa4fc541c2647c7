import type { Knex } from 'knex';

/**
 * Retention and compliance.
 * - retention_runs: one row per retention run (a workflow id and its first run id, so a
 *   continued-as-new run stays one row), its report (counts and durations per policy).
 * - privacy_requests: every export, deletion and anonymization request with its legal
 *   deadline (one month, GDPR Art. 12(3)), written by the privacy workflows and checked
 *   by the retention run, which alerts admins at day 21 and again once overdue.
 * - indexes the batched deletes walk.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('retention_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('workflow_id').notNullable();
    t.text('first_run_id').notNullable();
    t.boolean('dry_run').notNullable();
    // RUNNING, then COMPLETED, PARTIAL (a policy failed, the others ran) or FAILED.
    t.text('status').notNullable().defaultTo('RUNNING');
    t.timestamp('as_of', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.jsonb('report').notNullable().defaultTo('{}');
    t.unique(['workflow_id', 'first_run_id']);
    t.index(['started_at']);
  });
  await knex.raw(
    `ALTER TABLE retention_runs ADD CONSTRAINT retention_runs_status_check CHECK (status IN ('RUNNING','COMPLETED','PARTIAL','FAILED'))`,
  );

  await knex.schema.createTable('privacy_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    // SET NULL: an erased user's request stays as proof it was answered in time.
    t.uuid('user_id').references('users.id').onDelete('SET NULL');
    // The writer's business key (e.g. its workflow id), so a retried activity records one request.
    t.text('source_key').notNullable().unique();
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deadline_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true });
    // COMPLETED, CANCELLED or REFUSED once closed.
    t.text('outcome');
    // The admin alerts sent (day 21, then overdue), and the run that claimed each, so a retried claim finds its own.
    t.timestamp('reminded_at', { useTz: true });
    t.text('reminded_by');
    t.timestamp('overdue_alerted_at', { useTz: true });
    t.text('overdue_alerted_by');
    t.index(['user_id']);
  });
  await knex.raw(
    `ALTER TABLE privacy_requests ADD CONSTRAINT privacy_requests_kind_check CHECK (kind IN ('export','deletion','anonymization'))`,
  );
  await knex.raw(
    `ALTER TABLE privacy_requests ADD CONSTRAINT privacy_requests_outcome_check CHECK (outcome IN ('COMPLETED','CANCELLED','REFUSED'))`,
  );
  await knex.raw(
    `ALTER TABLE privacy_requests ADD CONSTRAINT privacy_requests_closed_check CHECK ((closed_at IS NULL) = (outcome IS NULL))`,
  );
  await knex.raw(`CREATE INDEX privacy_requests_open ON privacy_requests (deadline_at) WHERE closed_at IS NULL`);
  // One month by the calendar (Art. 12(3)), unless the writer names a deadline (an extension).
  await knex.raw(`
    CREATE FUNCTION privacy_requests_default_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.deadline_at IS NULL THEN NEW.deadline_at := NEW.opened_at + interval '1 month'; END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER privacy_requests_default_deadline BEFORE INSERT ON privacy_requests
    FOR EACH ROW EXECUTE FUNCTION privacy_requests_default_deadline()`);

  await knex.raw('CREATE INDEX email_messages_created_at ON email_messages (created_at)');
  await knex.raw('CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at)');
  await knex.raw('CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at)');
  await knex.raw('CREATE INDEX enrollment_status_requests_decided_at ON enrollment_status_requests (decided_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS enrollment_status_requests_decided_at');
  await knex.raw('DROP INDEX IF EXISTS sessions_last_seen_at');
  await knex.raw('DROP INDEX IF EXISTS account_tokens_expires_at');
  await knex.raw('DROP INDEX IF EXISTS email_messages_created_at');
  await knex.schema.dropTableIfExists('privacy_requests');
  await knex.raw('DROP FUNCTION IF EXISTS privacy_requests_default_deadline()');
  await knex.schema.dropTableIfExists('retention_runs');
}
