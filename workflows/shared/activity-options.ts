import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { CohortActivities } from '../../activities/index';

/*
 * Activity options for every workflow, one preset per kind of work. Each bounds its
 * retries: an endless retry hides a broken dependency behind a workflow that looks busy.
 * Options are not part of the recorded commands, so changing them is replay-safe.
 */

/** Database steps: quick, retried with backoff; 20 attempts (about 7 minutes) so a stuck database surfaces. */
export const database: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
};

/** Email: Postmark's 429/5xx are retried with backoff for about an hour, then surface. */
export const email: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
};

/**
 * Admin alerts to Slack: a 4xx fails at once (the activity throws it non-retryable); 5xx,
 * 429 and timeouts are retried for about ten minutes, after which the workflow logs and
 * counts the lost alert and goes on (workflows/shared/notify.ts).
 */
export const slackAlert: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 10 },
};

/**
 * Database steps a person waits on behind the HTTP API, run as local activities: no
 * round trip through the task queue. Bounded like `database`.
 */
export const localDatabase: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: database.retry,
};

/** An external API a person waits on behind the HTTP API (Stripe Checkout): give up after two minutes. */
export const externalApi: ActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
};

/**
 * Saga steps behind one proxy (database, Stripe, email and alerts of onboarding): up to a
 * minute between tries and 20 attempts (about 13 minutes) before the saga sees the failure.
 */
export const sagaStep: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
};

/**
 * Long work (PDF rendering, exports): it heartbeats, so a dead worker is noticed within a
 * minute rather than at the half-hour timeout; each try is costly, so only five. A
 * cancelled workflow (the account's erasure) waits for the work to stop, so no archive
 * or PDF is written after the erasure deleted the user's blobs.
 */
export const longRunning: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 5 },
};

/**
 * Workspace provisioning (cohort-workspace queue): DDL plus a secret store call. A store
 * failing for a while is retried for about five minutes (10 attempts), then the workflow
 * drops what it made and alerts admins.
 */
export const workspaceStep: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
};

export const dbActivities = proxyActivities<CohortActivities>(database);
export const emailActivities = proxyActivities<CohortActivities>(email);
export const checkoutActivities = proxyActivities<CohortActivities>(externalApi);
export const sagaActivities = proxyActivities<CohortActivities>(sagaStep);
export const slackActivities = proxyActivities<CohortActivities>(slackAlert);
export const localDbActivities = proxyLocalActivities<CohortActivities>(localDatabase);
