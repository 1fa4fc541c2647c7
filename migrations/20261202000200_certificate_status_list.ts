import type { Knex } from 'knex';

/**
 * certificates.status_seq: each certificate's place in the issuer's Bitstring Status
 * Lists (W3C), which publish revocation to anyone holding the signed credential. Numbers
 * come from a sequence and are never reused; existing certificates get theirs here (a
 * volatile default fills every row). lib/certificates/status-list.ts maps a number to a
 * list and an index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SEQUENCE certificate_status_seq AS bigint MINVALUE 0 START 0');
  await knex.raw(
    "ALTER TABLE certificates ADD COLUMN status_seq bigint NOT NULL UNIQUE DEFAULT nextval('certificate_status_seq')",
  );
  await knex.raw('ALTER SEQUENCE certificate_status_seq OWNED BY certificates.status_seq');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('certificates', (t) => {
    t.dropColumn('status_seq');
  });
  await knex.raw('DROP SEQUENCE IF EXISTS certificate_status_seq');
}
