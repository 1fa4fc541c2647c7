import type { AccountEmailPurpose } from '../../lib/domain/account-tokens';
import type { TrackCode } from '../../lib/domain/tracks';

/** Workflow ids are business keys: starting the same thing twice lands on one workflow. */

export const workflowIds = {
  onboarding: (userId: string, track: TrackCode) => `onboarding:${userId}:${track}`,
  submission: (submissionId: string) => `submission:${submissionId}`,
  review: (submissionId: string) => `review:${submissionId}`,
  accountDeletion: (userId: string) => `account-deletion:${userId}`,
  dataExport: (userId: string, exportId: string) => `data-export:${userId}:${exportId}`,
  /** One workspace (schema) per student. */
  workspace: (userId: string) => `workspace:${userId}`,
  certificate: (userId: string, track: TrackCode) => `certificate:${userId}:${track}`,
  retention: (date: string) => `retention:${date}`,
  /** `n` tells one message of a purpose from the next (1 for the sign-up verification). */
  accountEmail: (userId: string, purpose: AccountEmailPurpose, n: number) => `account-email:${userId}:${purpose}:${n}`,
  stripeAlert: (eventId: string) => `stripe-alert:${eventId}`,
};
