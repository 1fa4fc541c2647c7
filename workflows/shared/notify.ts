import { ActivityFailure, ApplicationFailure, isCancellation, log, metricMeter } from '@temporalio/workflow';
import type { AdminAlert } from '../../activities/alerts';
import { emailActivities, slackActivities } from './activity-options';

/** The Prometheus counter of notifications given up (the worker exports it on WORKER_METRICS_PORT). */
export const NOTIFICATION_FAILURES_METRIC = 'cohort_notification_failures';

const reasonOf = (error: unknown): string => {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return cause.type ?? 'ApplicationFailure';
  return cause instanceof Error ? cause.name : 'unknown';
};

/**
 * Notifications (emails, admin alerts) of one workflow: each starts once the outcome it
 * announces is committed and runs in the background, so the workflow goes on at once.
 * One that still fails after its bounded retries (or is refused for good) is logged and
 * counted, never thrown: a notification never fails or blocks the outcome. `settled()`
 * waits for them before the workflow returns.
 */
export function createNotifier() {
  const pending: Promise<void>[] = [];
  const lost = (notification: string, reason: string) => {
    log.warn('notification not delivered', { notification, reason });
    metricMeter
      .createCounter(NOTIFICATION_FAILURES_METRIC, 'notifications', 'Emails and admin alerts given up after retries')
      .add(1, { notification });
  };

  const notify = (notification: string, send: () => Promise<{ status?: string } | void>): void => {
    pending.push(
      send().then(
        // An email the provider refused for good comes back FAILED rather than thrown.
        (result) => {
          if (result && result.status === 'FAILED') lost(notification, 'EmailRejected');
        },
        (error: unknown) => {
          if (!isCancellation(error)) lost(notification, reasonOf(error));
        },
      ),
    );
  };

  return {
    notify,

    /** Slack and the admin email, each on its own: one channel down neither blocks nor repeats the other. */
    alert(alert: AdminAlert): void {
      notify(`slack-alert:${alert.kind}`, () => slackActivities.postSlackAlert(alert));
      notify(`admin-alert-email:${alert.kind}`, () => emailActivities.emailAdminAlert(alert));
    },

    /** Resolves once every notification started so far has been delivered or given up. */
    async settled(): Promise<void> {
      while (pending.length > 0) await Promise.all(pending.splice(0));
    },
  };
}
