import type { ActivityDeps } from '../activities/index';
import { createSlackAlerts } from '../lib/adapters/slack';
import { createStripeClient } from '../lib/adapters/stripe';
import { createEmailSender } from '../lib/adapters/email/index';
import { createBlobStore } from '../lib/adapters/blob-store/index';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import type { Logger } from '../lib/logger';

/**
 * Builds the adapters activities use, each chosen by configuration (production
 * service or embedded default). Shared by worker/main.ts and the test stack, so
 * tests run the same wiring against local peers.
 */
export async function buildActivityDeps(config: Config, knex: Knex, logger: Logger): Promise<ActivityDeps> {
  return {
    config,
    knex,
    stripe: createStripeClient(config),
    alerts: createSlackAlerts({ webhookUrl: config.SLACK_WEBHOOK_URL, logger }),
    email: createEmailSender(config, knex),
    blobStore: createBlobStore(config),
  };
}
