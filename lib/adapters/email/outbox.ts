import type { Knex } from '../../db/knex';
import { emailMessagesRepo } from '../../db/repositories/email-messages';
import type { EmailSender } from './types';

/**
 * The embedded default: nothing leaves the machine. The outbox is email_messages itself:
 * the sendEmail activity stored the rendered message before handing it over, and records
 * it STORED; `GET /api/admin/emails` lists it.
 */
export function createOutboxSender(knex: Knex): EmailSender {
  return {
    name: 'outbox',
    async send(message) {
      const row = await emailMessagesRepo.findByKey(knex, message.idempotencyKey);
      if (!row) throw new Error(`The outbox keeps only stored messages; ${message.idempotencyKey} is not one`);
      return { providerMessageId: `outbox-${row.id}`, stored: true };
    },
  };
}
