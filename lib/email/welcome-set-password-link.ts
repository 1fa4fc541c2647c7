import { discardSetPasswordToken, issueSetPasswordToken } from '../accounts/set-password-tokens';
import type { Enricher } from './enrichments';

/** Admin-created students have no password yet: their welcome carries a single-use link to set one. */
export const welcomeSetPasswordLink: Enricher<'welcome'> = async ({ db, config, recipientUserId, data }) => {
  if (data.mustSetPassword !== true || !recipientUserId) return { context: {} };
  const token = await issueSetPasswordToken(db, recipientUserId, config.SET_PASSWORD_LINK_TTL);
  const appUrl = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  return {
    context: { setPasswordUrl: `${appUrl}/set-password?token=${token}` },
    discard: () => discardSetPasswordToken(db, token),
  };
};
