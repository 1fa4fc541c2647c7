import type { Config } from '../config';
import type { Db } from '../db/knex';
import { issueAccountToken } from '../accounts/account-tokens';
import type { AccountTokenPurpose } from '../domain/account-tokens';
import type { TemplateData, TemplateName } from '../../templates/email/index';

/*
 * Messages that carry a single-use account link. The stored message (email_messages)
 * holds a placeholder where the link goes; each delivery mints a fresh token, so the
 * working link exists only in memory on its way to the provider (and in the dev outbox's
 * .eml file). A redelivery after a crash revokes the link the earlier try may have sent.
 */

/** The link a message carries, decided when it is stored; null for a message without one. */
export function secretLinkPurpose<T extends TemplateName>(
  template: T,
  data: TemplateData<T>,
  recipientUserId: string | null,
): AccountTokenPurpose | null {
  if (!recipientUserId) return null;
  if (template === 'verify-email') return 'verify-email';
  if (template === 'password-reset') return 'password-reset';
  // Admin-created students have no password yet: their welcome lets them choose one.
  if (template === 'welcome' && (data as TemplateData<'welcome'>).mustSetPassword === true) return 'set-password';
  return null;
}

/** Front-end pages that read the token from the URL fragment, which browsers send to no server. */
const PAGES: Record<AccountTokenPurpose, string> = {
  'set-password': '/set-password',
  'password-reset': '/reset-password',
  'verify-email': '/verify-email',
};

const ttl = (config: Config, purpose: AccountTokenPurpose): number =>
  ({
    'set-password': config.SET_PASSWORD_LINK_TTL,
    'password-reset': config.PASSWORD_RESET_LINK_TTL,
    'verify-email': config.EMAIL_VERIFICATION_TTL,
  })[purpose];

/** `${FRONTEND_URL}/<page>#token=…` */
export function accountLinkUrl(config: Config, purpose: AccountTokenPurpose, token: string): string {
  const url = new URL(config.FRONTEND_URL ?? config.PUBLIC_BASE_URL);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${PAGES[purpose]}`;
  url.search = '';
  url.hash = new URLSearchParams({ token }).toString();
  return url.href;
}

/** Mints the link for one delivery of a stored message. */
export async function mintSecretLink(
  db: Db,
  config: Config,
  message: { id: string; userId: string; linkPurpose: AccountTokenPurpose },
): Promise<string> {
  const token = await issueAccountToken(db, {
    userId: message.userId,
    purpose: message.linkPurpose,
    ttlMs: ttl(config, message.linkPurpose),
    emailMessageId: message.id,
  });
  return accountLinkUrl(config, message.linkPurpose, token);
}
