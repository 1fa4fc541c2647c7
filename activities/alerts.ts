import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { SlackRejectedError } from '../lib/adapters/slack';
import { slackPostsRepo } from '../lib/db/repositories/slack-posts';
import { createEmailActivities, type EmailStatus } from './email';
import type { ActivityDeps } from './index';

export type AlertKind =
  | 'unknown-checkout-session'
  | 'checkout-mismatch'
  | 'wrong-price-refunded'
  | 'duplicate-payment-refunded'
  | 'unknown-payment-reversal'
  | 'refund-failed'
  | 'no-trainer-capacity'
  | 'onboarding-refunded'
  | 'student-enrolled'
  | 'trainer-assigned'
  | 'payment-reversed'
  | 'privacy-request-reminder'
  | 'privacy-request-overdue'
  | 'retention-policy-failed'
  | 'workspace-failed';

export interface AdminAlert {
  kind: AlertKind;
  /** Workflow id + step: Slack gets the alert at most once per key, and so does the admin email. */
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
  'wrong-price-refunded':
    ':leftwards_arrow_with_hook: A checkout was paid at a price other than the track price; it was refunded and nobody was enrolled.',
  'duplicate-payment-refunded':
    ':leftwards_arrow_with_hook: A second payment for a track already paid was refunded; the enrollment is unchanged.',
  'unknown-payment-reversal':
    ':warning: Stripe reported a refund or dispute of a payment Cohort never recorded; the event was ignored.',
  'refund-failed':
    ':rotating_light: Cohort could not refund a payment it must not keep (see `for`); refund it in the Stripe dashboard.',
  'no-trainer-capacity':
    ':warning: A student enrolled but every trainer of the track is full; assignment retries until a seat frees up.',
  'onboarding-refunded': ':leftwards_arrow_with_hook: Enrollment failed after payment; the payment was refunded.',
  'student-enrolled': ':tada: A student enrolled.',
  'trainer-assigned': ':handshake: A waiting student got a trainer.',
  'payment-reversed': ':rotating_light: A payment was refunded or disputed; the enrollment is suspended.',
  'privacy-request-reminder':
    ':hourglass: A privacy request (export, deletion or anonymization) is still open after 21 days; its legal deadline is one month.',
  'privacy-request-overdue':
    ':rotating_light: A privacy request has passed its legal deadline (one month, GDPR Art. 12(3)) and is still open.',
  'retention-policy-failed':
    ':warning: A retention policy could not run; the data it covers stays until it does (see the retention run report).',
  'workspace-failed':
    ':rotating_light: A student workspace could not be provisioned (secret store failing); its role was dropped and it is marked FAILED. Starting the project again retries.',
};

// A post whose attempt died mid-request (a worker crash) may be taken over this long after the attempt's timeout.
const CLAIM_MARGIN_MS = 5_000;

/**
 * Temporal starts a retry once this attempt's startToClose timeout passed, while the attempt
 * may still run (a slow database, a starved event loop): the claim must outlast the attempt,
 * or the two both post. Outside an activity (a script), Slack's own timeout bounds it.
 */
function attemptTimeoutMs(slackTimeoutMs: number): number {
  try {
    return Math.max(slackTimeoutMs, Context.current().info.startToCloseTimeoutMs);
  } catch {
    return slackTimeoutMs;
  }
}

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

export type SlackAlertStatus = 'POSTED' | 'ALREADY_POSTED' | 'LOGGED';
export type AdminEmailStatus = EmailStatus | 'NO_RECIPIENT';

/**
 * Admin alerts, one activity per channel (Slack, email), so a channel that is down
 * neither blocks nor repeats the other. Workflows run them after their outcome is
 * committed and survive their final failure (workflows/shared/notify.ts).
 */
export function createAlertActivities(deps: ActivityDeps) {
  const { sendEmail } = createEmailActivities(deps);

  async function postSlackAlert(alert: AdminAlert): Promise<{ status: SlackAlertStatus }> {
    const text = formatAlert(alert);
    if (!deps.alerts.configured) {
      await deps.alerts.post(text);
      return { status: 'LOGGED' };
    }
    const claim = await slackPostsRepo.claim(
      deps.knex,
      alert.idempotencyKey,
      alert.kind,
      attemptTimeoutMs(deps.alerts.timeoutMs) + CLAIM_MARGIN_MS,
    );
    if (claim === 'posted') return { status: 'ALREADY_POSTED' };
    if (claim === 'rejected') throw ApplicationFailure.nonRetryable('Slack refused this alert before', 'SlackRejected');
    // Retried by Temporal: the other attempt either records the post or lets its claim lapse.
    if (claim === 'busy') throw new Error('An earlier attempt of this alert is still waiting for Slack');
    try {
      await deps.alerts.post(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof SlackRejectedError) {
        await slackPostsRepo.markRejected(deps.knex, alert.idempotencyKey, message);
        log.warn('slack alert refused', { kind: alert.kind, status: error.status });
        throw ApplicationFailure.nonRetryable(message, 'SlackRejected');
      }
      await slackPostsRepo.release(deps.knex, alert.idempotencyKey, message);
      throw error;
    }
    await slackPostsRepo.markPosted(deps.knex, alert.idempotencyKey);
    return { status: 'POSTED' };
  }

  async function emailAdminAlert(alert: AdminAlert): Promise<{ status: AdminEmailStatus }> {
    try {
      const sent = await sendEmail({
        idempotencyKey: alert.idempotencyKey,
        template: 'admin-alert',
        recipient: { admins: true },
        data: { title: HEADLINES[alert.kind].replace(/^:[a-z_]+: /, ''), message: refsOf(alert) || alert.kind },
      });
      return { status: sent.status };
    } catch (error) {
      // No ADMIN_EMAIL and no admin account: a configuration without admin email, not a failure.
      if (error instanceof ApplicationFailure && error.type === 'NoAdminRecipient') {
        log.warn('admin alert email skipped: no admin recipient', { kind: alert.kind });
        return { status: 'NO_RECIPIENT' };
      }
      throw error;
    }
  }

  return {
    /** Slack incoming webhook (or the log when none is configured), once per idempotency key; 4xx fails for good. */
    postSlackAlert,

    /** The admin-alert email to ADMIN_EMAIL (else every admin), once per idempotency key. */
    emailAdminAlert,

    /**
     * Both channels in one activity: superseded by postSlackAlert and emailAdminAlert, kept
     * for onboarding runs recorded before the split (they replay and may still schedule it).
     * A channel's permanent failure is logged, never thrown.
     */
    async alertAdmins(alert: AdminAlert): Promise<void> {
      const tolerate = (error: unknown) => {
        if (error instanceof ApplicationFailure && error.nonRetryable)
          log.warn('admin alert not delivered', { kind: alert.kind, reason: error.type });
        else throw error;
      };
      await Promise.all([postSlackAlert(alert).catch(tolerate), emailAdminAlert(alert).catch(tolerate)]);
    },
  };
}
