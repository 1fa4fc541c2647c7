import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import type { AdminAlertSink } from '../lib/adapters/slack';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import { createAlertActivities } from './alerts';
import { createCertificateActivities } from './certificates';
import { createEnrollmentActivities } from './enrollment';
import { createPaymentActivities } from './payments';
import type { EmailSender, PostmarkDataRemoval } from '../lib/adapters/email/index';
import type { BlobStore } from '../lib/adapters/blob-store/types';
import { createEmailActivities } from './email';
import { createLearningActivities } from './learning';
import { createProgressActivities } from './progress';
import { anonymizationUnavailable, createRetentionActivities } from './retention';
import { createPrivacyActivities } from './privacy';
import { createDataExportActivities } from './data-export';

/** Everything activities are built from; only the worker's composition root builds it. */
export interface ActivityDeps {
  config: Config;
  knex: Knex;
  /** The real Stripe client; absent when no STRIPE_SECRET_KEY is configured. */
  stripe?: Stripe;
  /** Slack incoming webhook, or the log. */
  alerts: AdminAlertSink;
  email: EmailSender;
  /** Export archives and certificate PDFs. */
  blobs: BlobStore;
  /** The worker's Temporal client: the erasure lists and cancels the user's other workflows with it. */
  temporal?: Client;
  /** Postmark's Data Removal API (POSTMARK_ACCOUNT_TOKEN); absent: no request is made. */
  emailDataRemoval?: PostmarkDataRemoval;
}

/** All activities of the default task queue, grouped by area. */
export function createActivities(deps: ActivityDeps) {
  const email = createEmailActivities(deps);
  return {
    // First: the privacy capability's real anonymizeUser, spread below, replaces this stand-in.
    ...anonymizationUnavailable,
    ...createPaymentActivities(deps),
    ...createEnrollmentActivities(deps),
    ...createAlertActivities(deps),
    ...email,
    ...createPrivacyActivities(deps, email),
    ...createDataExportActivities(deps),
    ...createProgressActivities(deps),
    ...createLearningActivities(deps),
    ...createRetentionActivities(deps),
    ...createCertificateActivities(deps),
  };
}

export type CohortActivities = ReturnType<typeof createActivities>;
