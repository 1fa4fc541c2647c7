import { trace } from '@opentelemetry/api';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { PermanentEmailError, type EmailSender } from '../lib/adapters/email/index';
import { emailMessagesRepo, type EmailMessageRow } from '../lib/db/repositories/email-messages';
import { findRecipientUser, listAdminAddresses } from '../lib/email/recipients';
import { findCapturedAddress } from '../lib/privacy/deletion-requests';
import { mintSecretLink, secretLinkPurpose } from '../lib/email/secret-links';
import {
  renderEmail,
  SECRET_LINK_PLACEHOLDER,
  TemplateDataError,
  withSecretLink,
  type TemplateData,
  type TemplateName,
} from '../templates/email/index';

export type { TemplateName } from '../templates/email/index';

/** One email of template T; `data` must be T's data, so a wrong payload fails to compile. */
export interface SendEmailInput<T extends TemplateName = TemplateName> {
  /** Derived from workflow id + step: one key, at most one email. */
  idempotencyKey: string;
  template: T;
  /**
   * A user (looked up by id), the admins, or the address an erasure request captured
   * before the user's data was erased (the account-deleted message).
   */
  recipient: { userId: string } | { admins: true } | { deletionRequestId: string };
  /** Ids, titles, dates and links only: never personal data (it lands in workflow history). */
  data: TemplateData<T>;
}

export type EmailStatus = 'SENT' | 'STORED' | 'FAILED';
export interface SendEmailResult {
  emailMessageId: string;
  status: EmailStatus;
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
  if ('deletionRequestId' in recipient) {
    const captured = await findCapturedAddress(deps.knex, recipient.deletionRequestId);
    if (!captured)
      throw ApplicationFailure.nonRetryable('No address was captured (or it was forgotten).', 'EmailRecipientNotFound');
    return { userId: captured.userId, address: captured.address };
  }
  if ('userId' in recipient) {
    const user = await findRecipientUser(deps.knex, recipient.userId);
    if (!user || user.anonymized)
      throw ApplicationFailure.nonRetryable(
        'The email recipient does not exist (or was erased).',
        'EmailRecipientNotFound',
      );
    return { userId: user.id, address: user.email, name: user.fullName };
  }
  if (deps.config.ADMIN_EMAIL) return { userId: null, address: deps.config.ADMIN_EMAIL };
  const admins = await listAdminAddresses(deps.knex);
  if (admins.length === 0)
    throw ApplicationFailure.nonRetryable(
      'No admin to notify: set ADMIN_EMAIL or create an admin.',
      'NoAdminRecipient',
    );
  // Postmark takes up to 50 comma-separated recipients in one message.
  return { userId: null, address: admins.slice(0, 50).join(', ') };
}

/**
 * Renders the message and stores it QUEUED (once per key). A single-use link is stored as
 * a placeholder: the working link is minted only when the message is delivered.
 */
async function storeMessage<T extends TemplateName>(
  deps: EmailActivityDeps,
  input: SendEmailInput<T>,
  mintLink: MintLink | undefined,
): Promise<void> {
  const recipient = await resolveRecipient(deps, input.recipient);
  const linkPurpose = secretLinkPurpose(input.template, input.data, recipient.userId);
  let rendered;
  try {
    rendered = renderEmail(input.template, input.data ?? {}, {
      recipientName: recipient.name,
      appUrl: deps.config.PUBLIC_BASE_URL,
      linkUrl: linkPurpose || mintLink ? SECRET_LINK_PLACEHOLDER : undefined,
    });
  } catch (error) {
    if (error instanceof TemplateDataError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidEmailData');
    throw error;
  }
  await emailMessagesRepo.insertQueued(deps.knex, {
    idempotencyKey: input.idempotencyKey,
    userId: recipient.userId,
    toAddress: recipient.address,
    template: input.template,
    subject: rendered.subject,
    htmlBody: rendered.html,
    textBody: rendered.text,
    linkPurpose,
  });
}

/**
 * The bodies as delivered: a message with a single-use link gets a fresh one on every
 * try, which revokes the link an earlier, interrupted try may have sent.
 */
async function deliverableBodies(
  deps: EmailActivityDeps,
  row: EmailMessageRow,
  mintLink: MintLink | undefined,
): Promise<{ html: string; text: string }> {
  const stored = { html: row.htmlBody, text: row.textBody };
  const { id, userId, linkPurpose } = row;
  if (mintLink) return withSecretLink(stored, await mintLink());
  if (!linkPurpose) return stored;
  if (!userId)
    throw ApplicationFailure.nonRetryable(
      'A message with an account link has no recipient user.',
      'EmailRecipientNotFound',
    );
  // Revoking the earlier try's link and storing the new one's hash commit together.
  const url = await deps.knex.transaction((trx) => mintSecretLink(trx, deps.config, { id, userId, linkPurpose }));
  return withSecretLink(stored, url);
}

/** Hands a QUEUED message to the provider and records the outcome; a transient failure throws for a retry. */
async function deliver(deps: EmailActivityDeps, row: EmailMessageRow, mintLink: MintLink | undefined): Promise<void> {
  const provider = deps.email.name ?? null;
  const bodies = await deliverableBodies(deps, row, mintLink);
  try {
    const delivery = await deps.email.send({
      to: row.toAddress,
      from: deps.config.EMAIL_FROM,
      subject: row.subject,
      html: bodies.html,
      text: bodies.text,
      template: row.template,
      messageStream: deps.config.POSTMARK_MESSAGE_STREAM,
      idempotencyKey: row.idempotencyKey,
    });
    await emailMessagesRepo.recordDelivered(deps.knex, row.id, {
      status: delivery.stored ? 'STORED' : 'SENT',
      provider,
      providerMessageId: delivery.providerMessageId,
    });
  } catch (error) {
    if (!(error instanceof PermanentEmailError)) {
      await emailMessagesRepo.recordError(deps.knex, row.id, String((error as Error).message ?? error));
      throw error;
    }
    // A business outcome (inactive recipient, invalid address): recorded, not retried.
    log.warn('email permanently rejected', {
      emailMessageId: row.id,
      template: row.template,
      providerCode: error.providerCode,
    });
    await emailMessagesRepo.recordFailed(deps.knex, row.id, provider, error.message);
  }
}

/** Records the message an earlier attempt handed to the provider, when the provider has it. */
async function recordEarlierDelivery(
  deps: EmailActivityDeps,
  row: EmailMessageRow,
): Promise<EmailMessageRow | undefined> {
  const delivery = await deps.email.findSent?.(row.idempotencyKey);
  if (!delivery) return undefined;
  log.info('email found delivered by an earlier attempt', { emailMessageId: row.id, template: row.template });
  await emailMessagesRepo.recordDelivered(deps.knex, row.id, {
    status: delivery.stored ? 'STORED' : 'SENT',
    provider: deps.email.name ?? null,
    providerMessageId: delivery.providerMessageId,
  });
  return emailMessagesRepo.findById(deps.knex, row.id);
}

/**
 * `cohort_emails{template,outcome}` on the worker's metrics exporter: sent, stored (outbox),
 * refused (permanently), retrying (a transient failure). Outside an activity (a script) it counts nothing.
 */
function countEmail(template: string, outcome: string): void {
  let meter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return;
  }
  meter
    .createCounter('cohort_emails', 'emails', 'Email send attempts by template and outcome')
    .add(1, { template, outcome });
}

const done = (row: EmailMessageRow): SendEmailResult => ({ emailMessageId: row.id, status: row.status as EmailStatus });

/** Longer than a provider call may take (Postmark's client gives up after 15 s) and the activity's 30 s timeout. */
const SEND_LEASE_MS = 60_000;

/** Mints a message's secret link (a signed download URL) for one delivery; never stored, never in history. */
export type MintLink = () => Promise<string>;

/**
 * The one way Cohort sends email. The row (unique on the idempotency key) is written
 * before the provider is called, so a retried or replayed workflow never sends twice.
 * The row never holds a working link (convention 15): an account link or `mintLink`'s
 * is stored as a placeholder and put in only on the way to the provider.
 */
async function send<T extends TemplateName>(
  deps: EmailActivityDeps,
  input: SendEmailInput<T>,
  mintLink?: MintLink,
): Promise<SendEmailResult> {
  // Which email a trace's RunActivity span is (an id-free template name).
  trace.getActiveSpan()?.setAttribute('cohort.email.template', input.template);
  const existing = await emailMessagesRepo.findByKey(deps.knex, input.idempotencyKey);
  if (existing && existing.status !== 'QUEUED') return done(existing);
  if (!existing) await storeMessage(deps, input, mintLink);

  // A QUEUED row is a send that has not completed (first try, or a crash mid-send). The
  // lease makes a second attempt at the same time (a redelivered task) wait for a retry,
  // which then finds the message sent.
  const claim = await emailMessagesRepo.claimSend(deps.knex, input.idempotencyKey, SEND_LEASE_MS);
  if (!claim.row) {
    if (claim.busy) throw new Error('Another attempt is sending this message; retried later');
    if (!claim.current) throw new Error(`email_messages row ${input.idempotencyKey} vanished`);
    return done(claim.current);
  }
  const { row } = claim;
  // An earlier attempt did not finish: it may have died after the provider took the message.
  // Asked before a new link is minted, which would revoke the one that message carries.
  if (row.attempts > 1) {
    const recorded = await recordEarlierDelivery(deps, row);
    if (recorded) {
      countEmail(input.template, recorded.status.toLowerCase());
      return done(recorded);
    }
  }

  try {
    await deliver(deps, row, mintLink);
  } catch (error) {
    countEmail(input.template, error instanceof ApplicationFailure && error.nonRetryable ? 'refused' : 'retrying');
    throw error;
  }
  const final = await emailMessagesRepo.findById(deps.knex, row.id);
  if (!final) throw new Error(`email_messages row ${row.id} vanished`);
  countEmail(input.template, final.status.toLowerCase());
  return done(final);
}

/**
 * For activities (not workflows) whose message carries a link minted at delivery, such
 * as the data export's signed download link: the stored row keeps the placeholder.
 */
export const sendEmailWithMintedLink = <T extends TemplateName>(
  deps: EmailActivityDeps,
  input: SendEmailInput<T>,
  mintLink: MintLink,
): Promise<SendEmailResult> => send(deps, input, mintLink);

export function createEmailActivities(deps: EmailActivityDeps) {
  return {
    /** See `send`: one key, at most one email; no working link at rest. */
    async sendEmail<T extends TemplateName>(input: SendEmailInput<T>): Promise<SendEmailResult> {
      return send(deps, input);
    },
  };
}
