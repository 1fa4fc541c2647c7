import type { Db } from '../db/knex';

/** QUEUED until a send completes: SENT (a provider took it), STORED (the outbox kept it) or FAILED (refused for good). */
export type EmailMessageStatus = 'QUEUED' | 'SENT' | 'STORED' | 'FAILED';

export interface EmailMessageRow {
  id: string;
  idempotencyKey: string;
  userId: string | null;
  status: EmailMessageStatus;
  toAddress: string;
  subject: string;
  htmlBody: string;
  textBody: string;
  template: string;
  attempts: number;
}

const ERROR_LIMIT = 1000;

/**
 * The email_messages rows the sendEmail activity keeps: one per idempotency key, written
 * before the provider is called, and the only place a message's status changes.
 */
export const emailMessages = {
  findByKey: (db: Db, idempotencyKey: string): Promise<EmailMessageRow | undefined> =>
    db('email_messages').where({ idempotencyKey }).first(),

  findById: (db: Db, id: string): Promise<EmailMessageRow | undefined> => db('email_messages').where({ id }).first(),

  /** A rendered message, QUEUED; false when a message with this key exists already. */
  async insertQueued(
    db: Db,
    message: Pick<
      EmailMessageRow,
      'idempotencyKey' | 'userId' | 'toAddress' | 'template' | 'subject' | 'htmlBody' | 'textBody'
    >,
  ): Promise<boolean> {
    const inserted = await db('email_messages')
      .insert({ ...message, status: 'QUEUED' })
      .onConflict('idempotencyKey')
      .ignore()
      .returning('id');
    return inserted.length > 0;
  },

  /** Counts one more send attempt and returns the row as it stands. */
  async countAttempt(db: Db, idempotencyKey: string): Promise<EmailMessageRow | undefined> {
    const [row] = await db('email_messages').where({ idempotencyKey }).increment('attempts', 1).returning('*');
    return row as EmailMessageRow | undefined;
  },

  /** A QUEUED message was handed to a provider (SENT) or kept in the outbox (STORED). */
  async recordDelivered(
    db: Db,
    id: string,
    delivery: { status: 'SENT' | 'STORED'; provider: string | null; providerMessageId: string },
  ): Promise<void> {
    await db('email_messages')
      .where({ id, status: 'QUEUED' })
      .update({ ...delivery, sentAt: db.fn.now(), error: null });
  },

  /** A QUEUED message the provider refused for good. */
  async recordFailed(db: Db, id: string, provider: string | null, error: string): Promise<void> {
    await db('email_messages')
      .where({ id, status: 'QUEUED' })
      .update({ status: 'FAILED', provider, error: error.slice(0, ERROR_LIMIT) });
  },

  /** The last transient error; the message stays QUEUED for the retry. */
  async recordError(db: Db, id: string, error: string): Promise<void> {
    await db('email_messages')
      .where({ id })
      .update({ error: error.slice(0, ERROR_LIMIT) });
  },
};
