import type { Config } from '../config';
import { createKnex, type Knex } from '../db/knex';

/** The role every workspace login belongs to: it alone may connect to the workspace database. */
export const WORKSPACE_GROUP_ROLE = 'cohort_workspace_students';

/** `"name"` with quotes doubled: every identifier in workspace SQL goes through this. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** WORKSPACE_DATABASE_URL, else database `cohort_workspaces` on DATABASE_URL's server (same credentials). */
export function workspaceDatabaseUrl(config: Pick<Config, 'DATABASE_URL' | 'WORKSPACE_DATABASE_URL'>): string {
  if (config.WORKSPACE_DATABASE_URL) return config.WORKSPACE_DATABASE_URL;
  const url = new URL(config.DATABASE_URL);
  url.pathname = '/cohort_workspaces';
  return url.toString();
}

/** What students are told to connect to. */
export function workspaceEndpoint(
  config: Pick<Config, 'DATABASE_URL' | 'WORKSPACE_DATABASE_URL' | 'WORKSPACE_PUBLIC_HOST'>,
) {
  const url = new URL(workspaceDatabaseUrl(config));
  return {
    host: config.WORKSPACE_PUBLIC_HOST ?? url.hostname,
    port: url.port ? Number(url.port) : 5432,
    database: decodeURIComponent(url.pathname.slice(1)),
  };
}

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

const sameServer = (a: string, b: string) => {
  const [x, y] = [new URL(a), new URL(b)];
  return x.hostname === y.hostname && (x.port || '5432') === (y.port || '5432');
};

/** Creates the workspace database when missing (a racing creator is fine). */
async function ensureWorkspaceDatabase(workspaceUrl: string): Promise<void> {
  const maintenance = new URL(workspaceUrl);
  maintenance.pathname = '/postgres';
  const admin = createKnex(maintenance.toString(), { max: 1 });
  try {
    const name = databaseOf(workspaceUrl);
    const exists = await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [name]);
    if (exists.rows.length === 0) {
      await admin.raw(`CREATE DATABASE ${quoteIdent(name)}`).catch((error: { code?: string }) => {
        // 42P04 duplicate_database; 23505 when two creators race in the catalog.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await admin.destroy();
  }
}

/**
 * Makes the workspace server safe for student logins, idempotently (the workspace worker
 * runs it at start). PostgreSQL grants CONNECT and TEMPORARY on every database to PUBLIC:
 * both are revoked on the workspace and platform databases, CONNECT is granted back to the
 * student group (workspace) and to the platform's own role (platform), and `public` in the
 * workspace database is closed to everyone. Other databases on a shared server (e.g.
 * `postgres`) are the operator's to close the same way (README).
 */
export async function prepareWorkspaceDatabase(input: {
  workspaceUrl: string;
  platformUrl: string;
  platformRole: string;
}): Promise<void> {
  await ensureWorkspaceDatabase(input.workspaceUrl);
  const workspace = quoteIdent(databaseOf(input.workspaceUrl));
  const platform = quoteIdent(databaseOf(input.platformUrl));
  const group = quoteIdent(WORKSPACE_GROUP_ROLE);
  const admin = createKnex(input.workspaceUrl, { max: 1 });
  try {
    await admin.transaction(async (trx) => {
      // Concurrent GRANTs on one object fail ("tuple concurrently updated"): one preparer at a time.
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['cohort-workspace-prepare']);
      const role = await trx.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [WORKSPACE_GROUP_ROLE]);
      if (role.rows.length === 0) await trx.raw(`CREATE ROLE ${group} NOLOGIN`);
      await trx.raw(`REVOKE ALL ON DATABASE ${workspace} FROM PUBLIC`);
      await trx.raw(`GRANT CONNECT ON DATABASE ${workspace} TO ${group}`);
      await trx.raw(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
      // On another server the platform database is out of students' reach already.
      if (sameServer(input.workspaceUrl, input.platformUrl)) {
        await trx.raw(`REVOKE CONNECT, TEMPORARY ON DATABASE ${platform} FROM PUBLIC`);
        await trx.raw(`GRANT CONNECT ON DATABASE ${platform} TO ${quoteIdent(input.platformRole)}`);
      }
    });
  } finally {
    await admin.destroy();
  }
}

/** The workspace worker's admin connection. */
export function createWorkspaceAdminKnex(config: Pick<Config, 'DATABASE_URL' | 'WORKSPACE_DATABASE_URL'>): Knex {
  return createKnex(workspaceDatabaseUrl(config), { max: 20 });
}
