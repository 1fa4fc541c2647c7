import type { Db } from '../db/knex';
import { workspaceIdentifiers } from '../domain/workspace';
import { scramVerifier } from './scram';
import { quoteIdent, WORKSPACE_GROUP_ROLE } from './workspace-database';

/** Per-login limits: a student's runaway query or connection leak stays their own problem. */
export const WORKSPACE_LIMITS = { connectionLimit: 5, statementTimeout: '30s', idleInTransactionTimeout: '5min' };

/**
 * Idempotent, on the workspace database as its admin: the student's login role (with
 * `password`, replacing any earlier one) and the schema it owns, with nothing else: no
 * superuser, no database or role creation, CONNECT through the student group only, a
 * connection limit and a statement timeout. A re-run converges on the same role and schema.
 */
export async function ensureWorkspaceRole(
  db: Db,
  userId: string,
  password: string,
): Promise<{ schemaName: string; roleName: string }> {
  const { schemaName, roleName } = workspaceIdentifiers(userId);
  const role = quoteIdent(roleName);
  const schema = quoteIdent(schemaName);
  // The verifier is base64 and `$:` only: no quote can end the literal early.
  const verifier = scramVerifier(password);
  const options = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${WORKSPACE_LIMITS.connectionLimit} PASSWORD '${verifier}'`;
  await db.transaction(async (trx) => {
    const exists = await trx.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [roleName]);
    if (exists.rows.length === 0) await trx.raw(`CREATE ROLE ${role} ${options}`);
    else await trx.raw(`ALTER ROLE ${role} ${options}`);
    await trx.raw(`GRANT ${quoteIdent(WORKSPACE_GROUP_ROLE)} TO ${role}`);
    await trx.raw(`ALTER ROLE ${role} SET statement_timeout = '${WORKSPACE_LIMITS.statementTimeout}'`);
    await trx.raw(
      `ALTER ROLE ${role} SET idle_in_transaction_session_timeout = '${WORKSPACE_LIMITS.idleInTransactionTimeout}'`,
    );
    await trx.raw(`ALTER ROLE ${role} SET search_path = ${schema}`);
    await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${role}`);
  });
  return { schemaName, roleName };
}

/**
 * Idempotent: the student can no longer log in, their open connections end, and their
 * schema (with everything in it) and role are gone. Nothing left is fine.
 */
export async function dropWorkspaceRole(db: Db, userId: string): Promise<void> {
  const { schemaName, roleName } = workspaceIdentifiers(userId);
  const role = quoteIdent(roleName);
  const exists = await db.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [roleName]);
  if (exists.rows.length > 0) await db.raw(`ALTER ROLE ${role} NOLOGIN`);
  await db.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?', [roleName]);
  await db.raw(`DROP SCHEMA IF EXISTS ${quoteIdent(schemaName)} CASCADE`);
  if (exists.rows.length > 0) {
    await db.raw(`DROP OWNED BY ${role} CASCADE`);
    await db.raw(`DROP ROLE IF EXISTS ${role}`);
  }
}
