import { join } from 'node:path';
import type { Config } from '../../config';
import type { Knex } from '../../db/knex';
import { createOutboxSender } from './outbox';
import { createPostmarkDataRemoval, createPostmarkSender, type PostmarkDataRemoval } from './postmark';
import type { EmailSender } from './types';

export * from './types';
export { createOutboxSender, outboxFileName } from './outbox';
export {
  createPostmarkSender,
  createPostmarkDataRemoval,
  classifyPostmarkError,
  type PostmarkDataRemoval,
} from './postmark';

/** Postmark when a server token is configured, else the outbox (.eml files under DATA_DIR/outbox). */
export function createEmailSender(config: Config, knex: Knex): EmailSender {
  if (config.POSTMARK_SERVER_TOKEN) {
    return createPostmarkSender({
      serverToken: config.POSTMARK_SERVER_TOKEN,
      apiBase: config.POSTMARK_API_BASE,
      messageStream: config.POSTMARK_MESSAGE_STREAM,
    });
  }
  return createOutboxSender(knex, { dir: join(config.DATA_DIR, 'outbox') });
}

/** Postmark's data removal when an account token is configured; else none (the outbox keeps nothing outside). */
export function createEmailDataRemoval(config: Config): PostmarkDataRemoval | undefined {
  if (!config.POSTMARK_ACCOUNT_TOKEN) return undefined;
  return createPostmarkDataRemoval({ accountToken: config.POSTMARK_ACCOUNT_TOKEN, apiBase: config.POSTMARK_API_BASE });
}
