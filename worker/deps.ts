import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities/index';
import type { WorkspaceActivityDeps } from '../activities/workspace';
import { createSecretStore } from '../lib/adapters/secret-store/index';
import {
  createWorkspaceAdminKnex,
  prepareWorkspaceDatabase,
  workspaceDatabaseUrl,
} from '../lib/workspaces/workspace-database';
import { createBlobStore } from '../lib/adapters/blob-store/index';
import { createSlackAlerts } from '../lib/adapters/slack';
import { createStripeClient } from '../lib/adapters/stripe';
import { createEmailDataRemoval, createEmailSender } from '../lib/adapters/email/index';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import type { Logger } from '../lib/logger';

/**
 * Builds the adapters activities use, each chosen by configuration (production
 * service or embedded default). Shared by worker/main.ts and the test stack, so
 * tests run the same wiring against local peers. `temporal` is the process's client (the
 * composition root builds it, with its data converter): the erasure cancels the user's
 * other workflows through it.
 */
export async function buildActivityDeps(
  config: Config,
  knex: Knex,
  logger: Logger,
  temporal?: Client,
): Promise<ActivityDeps> {
  return {
    temporal,
    emailDataRemoval: createEmailDataRemoval(config),
    config,
    knex,
    stripe: createStripeClient(config),
    alerts: createSlackAlerts({ webhookUrl: config.SLACK_WEBHOOK_URL, logger }),
    email: createEmailSender(config, knex),
    blobs: createBlobStore(config),
  };
}

/**
 * The workspace queue's dependencies: the workspace database's admin connection (only this
 * worker holds it) and the secret store. Prepares the workspace database first (created if
 * missing, CONNECT closed to PUBLIC), so the first student role starts from a safe server.
 */
export async function buildWorkspaceActivityDeps(config: Config, knex: Knex): Promise<WorkspaceActivityDeps> {
  const platformRole = String((await knex.raw('SELECT current_user AS role')).rows[0].role);
  await prepareWorkspaceDatabase({
    workspaceUrl: workspaceDatabaseUrl(config),
    platformUrl: config.DATABASE_URL,
    platformRole,
  });
  return { knex, workspaceKnex: createWorkspaceAdminKnex(config), secrets: createSecretStore(config, knex) };
}
