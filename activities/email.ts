import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { PermanentEmailError, type EmailSender } from '../lib/adapters/email/index';
import { discardSetPasswordToken, issueSetPasswordToken } from '../lib/accounts/set-password-tokens';
import { renderEmail, TemplateDataError, type TemplateName } from '../templates/email/index';

export type { TemplateName } from '../templates/email/index';

export interface SendEmailInput {
  /** Derived from workflow id + step: one key, at most one email. */
  idempotencyKey: string;
  template: TemplateName;
  recipient: { userId: string } | { admins: true };
  /** Ids, titles, dates and links only: never personal data (it lands in workflow history). */
  data?: Record<string, string | number | boolean | null>;
}

export type EmailStatus = 'SENT' | 'STORED' | 'FAILED';
export interface SendEmailResult {
  emailMessageId: string;
  status: EmailStatus;
}

interface EmailRow {
  id: string;
  status: 'QUEUED' | EmailStatus;
  toAddress: string;
  subject: string;
  htmlBody: string;
  textBody: string;
  template: string;
}

export interface EmailActivityDeps {
  config: Config;
  knex: Knex;
  email: EmailSender;
}

interface Recipient {
  userId: string | null;
  address: string;
  name?: string;
}

async function resolveRecipient(deps: EmailActivityDeps, recipient: SendEmailInput['recipient']): Promise<Recipient> {
  if ('userId' in recipient) {
    const user = await deps
      .knex('users')
      .where({ id: recipient.userId })
      .first('id', 'email', 'fullName', 'anonymized');
    if (!user || user.anonymized)
      throw ApplicationFailure.nonRetryable(
        'The email recipient does not exist (or was erased).',
        'EmailRecipientNotFound',
      );
    return { userId: user.id, address: user.email, name: user.fullName };
  }
  if (deps.config.ADMIN_EMAIL) return { userId: null, address: deps.config.ADMIN_EMAIL };
  const admins: { email: string }[] = await deps
    .knex('users')
    .whereIn('role', ['admin', 'superadmin'])
    .where({ anonymized: false })
    .orderBy('createdAt')
    .select('email');
  if (admins.length === 0)
    throw ApplicationFailure.nonRetryable(
      'No admin to notify: set ADMIN_EMAIL or create an admin.',
      'NoAdminRecipient',
    );
  // Postmark takes up to 50 comma-separated recipients in one message.
  return {
    userId: null,
    address: admins
      .slice(0, 50)
      .map((a) => a.email)
      .join(', '),
  };
}

const done = (row: EmailRow): SendEmailResult => ({ emailMessageId: row.id, status: row.status as EmailStatus });

export function createEmailActivities(deps: EmailActivityDeps) {
  const messages = () => deps.knex('email_messages');

  return {
    /**
     * The one way Cohort sends email. The row (unique on the idempotency key) is written
     * before the provider is called, so a retried or replayed workflow never sends twice.
     */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const existing: EmailRow | undefined = await messages().where({ idempotencyKey: input.idempotencyKey }).first();
      if (existing && existing.status !== 'QUEUED') return done(existing);

      if (!existing) {
        const recipient = await resolveRecipient(deps, input.recipient);
        // The token is minted here, so it lives only in the email, never in workflow history.
        const setPasswordToken =
          input.template === 'welcome' && input.data?.mustSetPassword === true && recipient.userId
            ? await issueSetPasswordToken(deps.knex, recipient.userId, deps.config.SET_PASSWORD_LINK_TTL)
            : undefined;
        const appUrl = deps.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
        let rendered;
        try {
          rendered = renderEmail(input.template, input.data ?? {}, {
            recipientName: recipient.name,
            appUrl: deps.config.PUBLIC_BASE_URL,
            ...(setPasswordToken ? { setPasswordUrl: `${appUrl}/set-password?token=${setPasswordToken}` } : {}),
          });
        } catch (error) {
          if (error instanceof TemplateDataError)
            throw ApplicationFailure.nonRetryable(error.message, 'InvalidEmailData');
          throw error;
        }
        const inserted = await deps
          .knex('email_messages')
          .insert({
            idempotencyKey: input.idempotencyKey,
            userId: recipient.userId,
            toAddress: recipient.address,
            template: input.template,
            subject: rendered.subject,
            htmlBody: rendered.html,
            textBody: rendered.text,
            status: 'QUEUED',
          })
          .onConflict('idempotencyKey')
          .ignore()
          .returning('id');
        if (setPasswordToken && inserted.length === 0) await discardSetPasswordToken(deps.knex, setPasswordToken);
      }

      // A QUEUED row is a send that has not completed (first try, or a crash mid-send).
      const [row] = (await messages()
        .where({ idempotencyKey: input.idempotencyKey })
        .increment('attempts', 1)
        .returning('*')) as EmailRow[];
      if (!row) throw new Error(`email_messages row ${input.idempotencyKey} vanished`);
      if (row.status !== 'QUEUED') return done(row);

      try {
        const { providerMessageId } = await deps.email.send({
          to: row.toAddress,
          from: deps.config.EMAIL_FROM,
          subject: row.subject,
          html: row.htmlBody,
          text: row.textBody,
          template: row.template,
          messageStream: deps.config.POSTMARK_MESSAGE_STREAM,
          idempotencyKey: input.idempotencyKey,
        });
        await messages()
          .where({ id: row.id, status: 'QUEUED' })
          .update({
            status: 'SENT',
            provider: deps.email.name ?? null,
            providerMessageId,
            sentAt: deps.knex.fn.now(),
            error: null,
          });
      } catch (error) {
        if (!(error instanceof PermanentEmailError)) {
          await messages()
            .where({ id: row.id })
            .update({ error: String((error as Error).message ?? error).slice(0, 1000) });
          throw error;
        }
        // A business outcome (inactive recipient, invalid address): recorded, not retried.
        log.warn('email permanently rejected', {
          emailMessageId: row.id,
          template: row.template,
          providerCode: error.providerCode,
        });
        await messages()
          .where({ id: row.id, status: 'QUEUED' })
          .update({ status: 'FAILED', provider: deps.email.name ?? null, error: error.message.slice(0, 1000) });
      }
      const final: EmailRow = await messages().where({ id: row.id }).first();
      return done(final);
    },
  };
}
