import type { Knex } from 'knex';

/** Accounts, consent, audit, curriculum, trainers and enrollments. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pgcrypto');

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable();
    t.text('password_hash');
    t.text('full_name').notNullable();
    t.text('role').notNullable().defaultTo('student');
    t.boolean('privacy_accepted').notNullable().defaultTo(false);
    t.timestamp('privacy_accepted_at', { useTz: true });
    t.text('privacy_version');
    t.text('terms_version');
    t.boolean('data_retention_consent').notNullable().defaultTo(false);
    t.boolean('marketing_consent').notNullable().defaultTo(false);
    t.boolean('account_deletion_requested').notNullable().defaultTo(false);
    t.timestamp('account_deletion_requested_at', { useTz: true });
    t.boolean('anonymized').notNullable().defaultTo(false);
    t.timestamp('anonymized_at', { useTz: true });
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.text('legal_hold_reason');
    t.timestamp('legal_hold_at', { useTz: true });
    t.boolean('must_set_password').notNullable().defaultTo(false);
    t.timestamps(true, true);
  });
  await knex.raw(
    `ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('student','trainer','admin','superadmin'))`,
  );
  await knex.raw('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('ip_address');
    t.text('user_agent');
    t.index(['user_id']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('oauth_accounts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('provider').notNullable();
    t.text('provider_user_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['provider', 'provider_user_id']);
    t.index(['user_id']);
  });

  for (const table of ['privacy_policies', 'terms_of_service']) {
    await knex.schema.createTable(table, (t) => {
      t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      t.text('version').notNullable().unique();
      t.text('content').notNullable();
      t.date('effective_date').notNullable();
      t.boolean('active').notNullable().defaultTo(false);
      t.uuid('created_by').references('users.id').onDelete('SET NULL');
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('activated_at', { useTz: true });
    });
    // At most one active version of each document.
    await knex.raw(`CREATE UNIQUE INDEX ${table}_one_active ON ${table} (active) WHERE active`);
  }

  // Append-only: a consent is given or withdrawn by inserting a row, never by editing one.
  await knex.schema.createTable('user_consents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.boolean('granted').notNullable();
    t.text('policy_version');
    t.text('terms_version');
    t.timestamp('accepted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('ip_address');
    t.text('user_agent');
    t.index(['user_id']);
  });
  await knex.raw(
    `ALTER TABLE user_consents ADD CONSTRAINT user_consents_kind_check CHECK (kind IN ('policies','marketing','data_retention'))`,
  );

  await knex.schema.createTable('audit_logs', (t) => {
    t.bigIncrements('id');
    t.uuid('user_id').references('users.id').onDelete('SET NULL');
    t.uuid('actor_id').references('users.id').onDelete('SET NULL');
    t.text('action').notNullable();
    t.text('resource');
    t.text('outcome').notNullable().defaultTo('success');
    t.text('ip_address');
    t.timestamp('timestamp', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['user_id', 'timestamp']);
    t.index(['action', 'timestamp']);
    t.index(['timestamp']);
  });

  await knex.schema.createTable('tracks', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.integer('price_cents').notNullable();
    t.text('currency').notNullable().defaultTo('eur');
    t.boolean('active').notNullable().defaultTo(true);
  });

  await knex.schema.createTable('projects', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('track_code').notNullable().references('tracks.code').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('slug').notNullable();
    t.text('title').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.boolean('required').notNullable().defaultTo(true);
    t.unique(['track_code', 'position']);
    t.unique(['track_code', 'slug']);
  });

  await knex.schema.createTable('steps', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('title').notNullable();
    t.unique(['project_id', 'position']);
  });

  await knex.schema.createTable('deliverables', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('step_id').notNullable().references('steps.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('title').notNullable();
    t.text('kind').notNullable().defaultTo('repository');
    t.boolean('required').notNullable().defaultTo(true);
    t.unique(['step_id', 'position']);
  });

  await knex.schema.createTable('trainers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().unique().references('users.id').onDelete('CASCADE');
    t.specificType('tracks', 'text[]').notNullable();
    t.integer('max_students').notNullable().defaultTo(20);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    'ALTER TABLE trainers ADD CONSTRAINT trainers_max_students_check CHECK (max_students BETWEEN 1 AND 20)',
  );

  await knex.schema.createTable('enrollments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('track_code').notNullable().references('tracks.code');
    t.text('status').notNullable().defaultTo('PENDING_PAYMENT');
    t.timestamp('enrolled_at', { useTz: true });
    t.date('graduation_date');
    t.boolean('payment_verified').notNullable().defaultTo(false);
    t.uuid('trainer_id').references('trainers.id').onDelete('SET NULL');
    t.boolean('bypass_payment').notNullable().defaultTo(false);
    t.text('notes');
    t.text('checkout_session_id').unique();
    t.text('status_reason');
    t.timestamps(true, true);
    t.unique(['user_id', 'track_code']);
    t.index(['trainer_id', 'status']);
  });
  await knex.raw(
    `ALTER TABLE enrollments ADD CONSTRAINT enrollments_status_check CHECK (status IN ('PENDING_PAYMENT','ENROLLED','SUSPENDED','COMPLETED','EXPIRED'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'enrollments',
    'trainers',
    'deliverables',
    'steps',
    'projects',
    'tracks',
    'audit_logs',
    'user_consents',
    'terms_of_service',
    'privacy_policies',
    'oauth_accounts',
    'sessions',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
