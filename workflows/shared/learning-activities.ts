import { proxyActivities } from '@temporalio/workflow';
import type { CohortActivities } from '../../activities/index';

/** Database steps: quick, retried with backoff, bounded so a stuck database surfaces. */
export const dbActivities = proxyActivities<CohortActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

/** Email: Postmark's 429/5xx are retried with backoff for about an hour, then surface. */
export const emailActivities = proxyActivities<CohortActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
});
