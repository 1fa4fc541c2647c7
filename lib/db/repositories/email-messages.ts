import type { Db } from '../knex';

export type EmailMessageStatus = 'QUEUED' | 'SENT' | 'STORED' | 'FAILED';

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

export const emailMessagesRepo = {
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
