import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Knex } from '../../db/knex';
import { emailMessagesRepo } from '../../db/repositories/email-messages';
import type { EmailSender, OutgoingEmail } from './types';

export interface OutboxOptions {
  /** Where the .eml files go: `<DATA_DIR>/outbox`. */
  dir: string;
}

/** One file per message (idempotency key); a redelivery overwrites it with the newest link. */
export function outboxFileName(idempotencyKey: string): string {
  const readable = idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10);
  return `${readable}-${digest}.eml`;
}

/*
 * MailComposer (nodemailer) rather than a hand-written multipart: it encodes non-ASCII
 * names and subjects (RFC 2047), folds long headers, picks a transfer encoding that keeps
 * lines within RFC 5322's limit, and mail clients open what it writes.
 */
async function compose(message: OutgoingEmail, messageId: string): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: `<${messageId}@outbox.cohort.local>`,
    headers: { 'X-Cohort-Template': message.template, 'X-Cohort-Idempotency-Key': message.idempotencyKey },
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

/**
 * The embedded default: nothing leaves the machine. The sendEmail activity stored the
 * message in email_messages (with any single-use link replaced by a placeholder, listed
 * by `GET /api/admin/emails`) before handing it over; the outbox writes the message as
 * delivered, link included, to `<DATA_DIR>/outbox/<key>.eml`, where a developer opens it.
 */
export function createOutboxSender(knex: Knex, options: OutboxOptions): EmailSender {
  return {
    name: 'outbox',
    async send(message) {
      const row = await emailMessagesRepo.findByKey(knex, message.idempotencyKey);
      if (!row) throw new Error(`The outbox keeps only stored messages; ${message.idempotencyKey} is not one`);
      const eml = await compose(message, row.id);
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const file = join(options.dir, outboxFileName(message.idempotencyKey));
      // Written aside and renamed, so a reader never sees half a message.
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, eml, { mode: 0o600 });
      await rename(partial, file);
      return { providerMessageId: `outbox-${row.id}`, stored: true };
    },
  };
}
