import type { Db } from '../knex';
import type { AccountTokenPurpose } from '../../domain/account-tokens';

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
  /** The single-use link its delivery mints; the stored bodies hold a placeholder instead. */
  linkPurpose: AccountTokenPurpose | null;
}

const ERROR_LIMIT = 1000;

/** An email message as admins list it (no bodies). */
export interface EmailMessageSummary {
  id: string;
  toAddress: string;
  template: string;
  subject: string;
  status: EmailMessageStatus;
  provider: string | null;
  error: string | null;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
}

export interface EmailMessageFilter {
  /** Part of a recipient address, case-insensitive. */
  to?: string;
  template?: string;
  limit: number;
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * email_messages: one row per idempotency key, written by the sendEmail activity before
 * the provider is called (the only place a message's status changes), listed by admins.
 */
export const emailMessagesRepo = {
  findByKey: (db: Db, idempotencyKey: string): Promise<EmailMessageRow | undefined> =>
    db('email_messages').where({ idempotencyKey }).first(),

  findById: (db: Db, id: string): Promise<EmailMessageRow | undefined> => db('email_messages').where({ id }).first(),

  /** A rendered message, QUEUED; false when a message with this key exists already. */
  async insertQueued(
    db: Db,
    message: Pick<
      EmailMessageRow,
      'idempotencyKey' | 'userId' | 'toAddress' | 'template' | 'subject' | 'htmlBody' | 'textBody' | 'linkPurpose'
    >,
  ): Promise<boolean> {
    const inserted = await db('email_messages')
      .insert({ ...message, status: 'QUEUED' })
      .onConflict('idempotencyKey')
      .ignore()
      .returning('id');
    return inserted.length > 0;
  },

  /**
   * Claims a QUEUED message for one send attempt (counted) until `leaseMs` from now. Without
   * a row back: the message is no longer QUEUED, or another attempt holds it (`busy`).
   */
  async claimSend(
    db: Db,
    idempotencyKey: string,
    leaseMs: number,
  ): Promise<{ row: EmailMessageRow } | { row: undefined; busy: boolean; current?: EmailMessageRow }> {
    const [row] = await db('email_messages')
      .where({ idempotencyKey, status: 'QUEUED' })
      .andWhere((q) => q.whereNull('sendLeaseUntil').orWhere('sendLeaseUntil', '<', db.fn.now()))
      .update({
        attempts: db.raw('attempts + 1'),
        sendLeaseUntil: db.raw(`now() + ? * interval '1 millisecond'`, [leaseMs]),
      })
      .returning('*');
    if (row) return { row: row as EmailMessageRow };
    const current = (await db('email_messages').where({ idempotencyKey }).first()) as EmailMessageRow | undefined;
    return { row: undefined, busy: current?.status === 'QUEUED', current };
  },

  /** A QUEUED message was handed to a provider (SENT) or kept in the outbox (STORED). */
  async recordDelivered(
    db: Db,
    id: string,
    delivery: { status: 'SENT' | 'STORED'; provider: string | null; providerMessageId: string },
  ): Promise<void> {
    await db('email_messages')
      .where({ id, status: 'QUEUED' })
      .update({ ...delivery, sentAt: db.fn.now(), error: null, sendLeaseUntil: null });
  },

  /** A QUEUED message the provider refused for good. */
  async recordFailed(db: Db, id: string, provider: string | null, error: string): Promise<void> {
    await db('email_messages')
      .where({ id, status: 'QUEUED' })
      .update({ status: 'FAILED', provider, error: error.slice(0, ERROR_LIMIT), sendLeaseUntil: null });
  },

  /** The last transient error; the message stays QUEUED, its lease given up, for the retry. */
  async recordError(db: Db, id: string, error: string): Promise<void> {
    await db('email_messages')
      .where({ id })
      .update({ error: error.slice(0, ERROR_LIMIT), sendLeaseUntil: null });
  },

  /** Newest first. */
  list: (db: Db, filter: EmailMessageFilter): Promise<EmailMessageSummary[]> =>
    db('email_messages')
      .modify((q) => {
        // Admin alerts go to several addresses in one message, so `to` matches within the list.
        if (filter.to) q.whereRaw(`lower(to_address) LIKE ? ESCAPE '\\'`, [`%${escapeLike(filter.to.toLowerCase())}%`]);
        if (filter.template) q.where({ template: filter.template });
      })
      .orderBy([
        { column: 'createdAt', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(filter.limit)
      .select(
        'id',
        'toAddress',
        'template',
        'subject',
        'status',
        'provider',
        'error',
        'attempts',
        'createdAt',
        'sentAt',
      ),
};
