import type { Knex } from '../../db/knex';
import type { EmailSender, OutgoingEmail } from './types';

/**
 * The embedded default: nothing leaves the machine. The rendered message is kept in
 * email_messages as STORED, where `GET /api/admin/emails` lists it.
 */
export function createOutboxSender(knex: Knex): EmailSender {
  return {
    name: 'outbox',
    async send(message: OutgoingEmail) {
      const values = {
        toAddress: message.to,
        template: message.template,
        subject: message.subject,
        htmlBody: message.html,
        textBody: message.text,
        provider: 'outbox',
      };
      // The sendEmail activity has normally written the row already; a direct caller has not.
      await knex('email_messages')
        .insert({ idempotencyKey: message.idempotencyKey, ...values, status: 'QUEUED' })
        .onConflict('idempotencyKey')
        .ignore();
      const [row] = await knex('email_messages')
        .where({ idempotencyKey: message.idempotencyKey })
        .update({
          status: knex.raw(`CASE WHEN status = 'QUEUED' THEN 'STORED' ELSE status END`),
          sentAt: knex.raw('coalesce(sent_at, now())'),
        })
        .returning(['id']);
      const id = (row as { id: string }).id;
      await knex('email_messages')
        .where({ id })
        .whereNull('providerMessageId')
        .update({ providerMessageId: `outbox-${id}`, provider: 'outbox' });
      return { providerMessageId: `outbox-${id}` };
    },
  };
}
