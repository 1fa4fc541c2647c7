import { z } from 'zod';
import type { SecretStore } from '../adapters/secret-store/types';
import { workspaceSecretName } from '../adapters/secret-store/types';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import { workspacesRepo } from '../db/repositories/workspaces';
import { errors } from '../errors';
import { workspaceEndpoint } from './workspace-database';

/** What the secret store holds for one workspace. */
export const workspaceSecretSchema = z.object({ username: z.string(), password: z.string() });

export interface WorkspaceCredentials {
  host: string;
  port: number;
  database: string;
  schema: string;
  username: string;
  password: string;
  connectionString: string;
  expiresAt: string | null;
}

/**
 * The student's own workspace credentials: 404 when they have none (not DP, project 1 not
 * started, or deprovisioned), 409 while it is being provisioned.
 */
export async function readWorkspaceCredentials(
  deps: { db: Db; secrets: SecretStore; config: Config },
  userId: string,
): Promise<WorkspaceCredentials> {
  const row = await workspacesRepo.findForUser(deps.db, userId);
  if (!row || !['PROVISIONING', 'READY', 'EXPIRING'].includes(row.status)) throw errors.notFound('Workspace');
  if (row.status === 'PROVISIONING') throw errors.conflict('Your workspace is still being provisioned.');
  const stored = await deps.secrets.get(workspaceSecretName(userId));
  // Provisioning stores the secret before the row says READY; none now means it is going away.
  if (!stored) throw errors.notFound('Workspace');
  const { username, password } = workspaceSecretSchema.parse(JSON.parse(stored));
  const { host, port, database } = workspaceEndpoint(deps.config);
  const url = new URL('postgresql://localhost');
  url.hostname = host;
  url.port = String(port);
  url.username = username;
  url.password = password;
  url.pathname = `/${encodeURIComponent(database)}`;
  return {
    host,
    port,
    database,
    schema: row.schemaName,
    username,
    password,
    connectionString: url.toString(),
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
  };
}
