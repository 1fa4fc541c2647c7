import type { Knex } from 'knex';

/** Progress, submissions, reviews, external resources and the email outbox. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('student_progress', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('LOCKED');
    t.timestamp('unlocked_at', { useTz: true });
    t.timestamp('started_at', { useTz: true });
    t.timestamp('submitted_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.text('workspace_schema');
    t.timestamp('workspace_provisioned_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['user_id', 'project_id']);
  });
  await knex.raw(
    `ALTER TABLE student_progress ADD CONSTRAINT student_progress_status_check CHECK (status IN ('LOCKED','UNLOCKED','IN_PROGRESS','SUBMITTED','COMPLETED'))`,
  );

  await knex.schema.createTable('step_completions', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('step_id').notNullable().references('steps.id').onDelete('CASCADE');
    t.timestamp('completed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'step_id']);
  });

  await knex.schema.createTable('submissions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('project_id').notNullable().references('projects.id');
    t.uuid('deliverable_id').notNullable().references('deliverables.id');
    t.text('repo_url');
    t.text('deployment_url');
    t.text('notes');
    t.text('status').notNullable().defaultTo('SUBMITTED');
    t.text('feedback');
    t.uuid('reviewer_id').references('users.id').onDelete('SET NULL');
    t.timestamp('reviewed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['user_id', 'project_id']);
  });
  await knex.raw(
    `ALTER TABLE submissions ADD CONSTRAINT submissions_status_check CHECK (status IN ('SUBMITTED','APPROVED','CHANGES_REQUESTED'))`,
  );

  await knex.schema.createTable('external_resources', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('project_id').references('projects.id');
    t.uuid('submission_id').references('submissions.id').onDelete('SET NULL');
    t.text('resource_type').notNullable();
    t.text('resource_url').notNullable();
    t.boolean('credentials_stored').notNullable().defaultTo(false);
    t.timestamp('provisioned_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deprovisioned_at', { useTz: true });
    t.uuid('created_by').references('users.id').onDelete('SET NULL');
    t.index(['user_id']);
  });
  await knex.raw(
    `ALTER TABLE external_resources ADD CONSTRAINT external_resources_type_check CHECK (resource_type IN ('SUPERSET','JUPYTER','NETLIFY','VERCEL','CLOUD','OTHER'))`,
  );

  await knex.schema.createTable('email_messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('idempotency_key').notNullable().unique();
    t.uuid('user_id').references('users.id').onDelete('SET NULL');
    t.text('to_address').notNullable();
    t.text('template').notNullable();
    t.text('subject').notNullable();
    t.text('html_body').notNullable();
    t.text('text_body').notNullable();
    t.text('status').notNullable().defaultTo('QUEUED');
    t.text('provider');
    t.text('provider_message_id');
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.index(['to_address']);
    t.index(['template', 'created_at']);
  });
  await knex.raw(
    `ALTER TABLE email_messages ADD CONSTRAINT email_messages_status_check CHECK (status IN ('QUEUED','SENT','FAILED','STORED'))`,
  );

  // Hand-over records for capabilities that start later workflows (certification).
  await knex.schema.createTable('handovers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.text('subject').notNullable();
    t.text('workflow_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'kind', 'subject']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'handovers',
    'email_messages',
    'external_resources',
    'submissions',
    'step_completions',
    'student_progress',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
