import { ApplicationFailure, log } from '@temporalio/activity';
import { createEmailActivities } from './email';
import type { ActivityDeps } from './index';

export type AlertKind =
  | 'unknown-checkout-session'
  | 'checkout-mismatch'
  | 'no-trainer-capacity'
  | 'onboarding-refunded'
  | 'student-enrolled'
  | 'trainer-assigned'
  | 'payment-reversed';

export interface AdminAlert {
  kind: AlertKind;
  /** Workflow id + step: the admin email is sent at most once per key. */
  idempotencyKey: string;
  userId?: string;
  track?: string;
  /** Ids only (session, enrollment, trainer): alerts carry no personal data. */
  refs?: Record<string, string | null | undefined>;
}

const HEADLINES: Record<AlertKind, string> = {
  'unknown-checkout-session':
    ':warning: A signed Stripe event named a checkout session Stripe does not know; nobody was enrolled.',
  'checkout-mismatch': ':warning: A checkout session does not match its user, track or price; nobody was enrolled.',
  'no-trainer-capacity':
    ':warning: A student enrolled but every trainer of the track is full; assignment retries until a seat frees up.',
  'onboarding-refunded': ':leftwards_arrow_with_hook: Enrollment failed after payment; the payment was refunded.',
  'student-enrolled': ':tada: A student enrolled.',
  'trainer-assigned': ':handshake: A waiting student got a trainer.',
  'payment-reversed': ':rotating_light: A payment was refunded or disputed; the enrollment is suspended.',
};

const refsOf = (alert: Omit<AdminAlert, 'idempotencyKey'>) =>
  Object.entries({ user: alert.userId, track: alert.track, ...alert.refs })
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** The text admins see: a headline and the ids to look up, never names or addresses. */
export function formatAlert(alert: Omit<AdminAlert, 'idempotencyKey'>): string {
  const refs = refsOf(alert);
  return `${HEADLINES[alert.kind]}${refs ? ` (${refs})` : ''}`;
}

export function createAlertActivities(deps: ActivityDeps) {
  const { sendEmail } = createEmailActivities(deps);
  return {
    /**
     * Slack incoming webhook (or the log when none is configured), and the admin email.
     * A missing admin recipient is logged, not fatal: an alert must never fail a saga.
     */
    async alertAdmins(alert: AdminAlert): Promise<void> {
      log.info('admin alert', { kind: alert.kind });
      const email = sendEmail({
        idempotencyKey: alert.idempotencyKey,
        template: 'admin-alert',
        recipient: { admins: true },
        data: { title: HEADLINES[alert.kind].replace(/^:[a-z_]+: /, ''), message: refsOf(alert) || alert.kind },
      }).catch((error: unknown) => {
        if (error instanceof ApplicationFailure && error.nonRetryable)
          log.warn('admin alert email not sent', { reason: error.type });
        else throw error;
      });
      await Promise.all([deps.alerts.post(formatAlert(alert)), email]);
    },
  };
}
