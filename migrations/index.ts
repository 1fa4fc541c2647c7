import type { Knex } from 'knex';
import * as foundation from './20261127000100_foundation';
import * as learning from './20261127000200_learning';
import * as payments from './20261127000300_payments';
import * as setPasswordTokens from './20261127007000_set_password_tokens';
import * as enrollmentStatusRequests from './20261128000100_enrollment_status_requests';
import * as rateLimitsAndSessionIdle from './20261128000810_rate_limits_and_session_idle';
import * as emailOwnership from './20261129000100_email_ownership';
import * as slackPosts from './20261129004000_slack_posts';
import * as stripeEventOutcomes from './20261129004100_stripe_event_outcomes';
import * as workspaces from './20261130001000_workspaces';
import * as certificates from './20261130002000_certificates';
import * as privacyRights from './20261130003000_privacy_rights';
import * as retention from './20261130004000_retention';
import * as erasureProcessorReferences from './20261130005000_erasure_processor_references';
import * as emailSendLease from './20261202000100_email_send_lease';
import * as certificateStatusList from './20261202000200_certificate_status_list';

// Listed explicitly so migrations run the same under tsx, vitest and a bundle.
const MIGRATIONS: Record<string, { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }> = {
  '20261127000100_foundation': foundation,
  '20261127000200_learning': learning,
  '20261127000300_payments': payments,
  '20261127007000_set_password_tokens': setPasswordTokens,
  '20261128000100_enrollment_status_requests': enrollmentStatusRequests,
  '20261128000810_rate_limits_and_session_idle': rateLimitsAndSessionIdle,
  '20261129000100_email_ownership': emailOwnership,
  '20261129004000_slack_posts': slackPosts,
  '20261129004100_stripe_event_outcomes': stripeEventOutcomes,
  '20261130001000_workspaces': workspaces,
  '20261130002000_certificates': certificates,
  '20261130003000_privacy_rights': privacyRights,
  '20261130004000_retention': retention,
  '20261130005000_erasure_processor_references': erasureProcessorReferences,
  '20261202000100_email_send_lease': emailSendLease,
  '20261202000200_certificate_status_list': certificateStatusList,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};
