import { batchedDeletion } from './batched-deletion';
import { graduatesDue } from './graduates-due';
import { cutoff, type RetentionPolicy } from './policy';

// Rows about a user under legal hold stay, whatever their age.
const notHeld = (table: string) =>
  `NOT EXISTS (SELECT 1 FROM users held WHERE held.id = ${table}.user_id AND held.legal_hold)`;

// Spent or expired account links stay a day, so a late click still gets "link used" rather than "unknown link".
const TOKEN_GRACE_MS = 86_400_000;

/** Every retention policy, in the order a run applies them. */
export const RETENTION_POLICIES: readonly RetentionPolicy[] = [
  batchedDeletion({
    name: 'audit-logs',
    description: 'audit log entries older than RETENTION_AUDIT_LOGS (kept for users under legal hold)',
    table: 'audit_logs',
    where: ({ asOf, settings }) => ({
      sql: `audit_logs.timestamp < ? AND ${notHeld('audit_logs')}`,
      bindings: [cutoff(asOf, settings.RETENTION_AUDIT_LOGS)],
    }),
  }),
  batchedDeletion({
    name: 'stripe-events',
    description: 'Stripe event records older than RETENTION_EVENT_LOGS',
    table: 'stripe_events',
    where: ({ asOf, settings }) => ({
      sql: 'stripe_events.received_at < ?',
      bindings: [cutoff(asOf, settings.RETENTION_EVENT_LOGS)],
    }),
  }),
  batchedDeletion({
    name: 'email-logs',
    description: 'stored email messages older than RETENTION_EVENT_LOGS (kept for users under legal hold)',
    table: 'email_messages',
    where: ({ asOf, settings }) => ({
      sql: `email_messages.created_at < ? AND ${notHeld('email_messages')}`,
      bindings: [cutoff(asOf, settings.RETENTION_EVENT_LOGS)],
    }),
  }),
  batchedDeletion({
    name: 'slack-posts',
    description: 'Slack alert delivery records older than RETENTION_EVENT_LOGS',
    table: 'slack_posts',
    where: ({ asOf, settings }) => ({
      sql: `slack_posts.created_at < ? AND slack_posts.status <> 'POSTING'`,
      bindings: [cutoff(asOf, settings.RETENTION_EVENT_LOGS)],
    }),
  }),
  batchedDeletion({
    name: 'enrollment-status-requests',
    description: 'admin suspend/reinstate requests decided longer ago than RETENTION_EVENT_LOGS',
    table: 'enrollment_status_requests',
    where: ({ asOf, settings }) => ({
      sql: 'enrollment_status_requests.decided_at < ?',
      bindings: [cutoff(asOf, settings.RETENTION_EVENT_LOGS)],
    }),
  }),
  batchedDeletion({
    name: 'payments',
    description: 'payment records paid longer ago than RETENTION_PAYMENTS (kept under legal hold)',
    table: 'payments',
    where: ({ asOf, settings }) => ({
      sql: `payments.paid_at < ? AND ${notHeld('payments')}`,
      bindings: [cutoff(asOf, settings.RETENTION_PAYMENTS)],
    }),
  }),
  batchedDeletion({
    name: 'sessions',
    description: 'sessions expired, revoked, or unused for SESSION_IDLE_TIMEOUT',
    table: 'sessions',
    where: ({ asOf, settings }) => ({
      sql: '(sessions.expires_at <= ? OR sessions.revoked_at IS NOT NULL OR sessions.last_seen_at <= ?)',
      bindings: [asOf, cutoff(asOf, settings.SESSION_IDLE_TIMEOUT)],
    }),
  }),
  batchedDeletion({
    name: 'account-tokens',
    description: 'account links (verify-email, set-password, reset) expired or used over a day ago',
    table: 'account_tokens',
    where: ({ asOf }) => {
      const before = new Date(asOf.getTime() - TOKEN_GRACE_MS);
      return { sql: '(account_tokens.expires_at < ? OR account_tokens.used_at < ?)', bindings: [before, before] };
    },
  }),
  batchedDeletion({
    name: 'rate-limits',
    description: 'rate-limit counters whose window has ended',
    table: 'rate_limits',
    // rate-limiter-flexible's own layout: `expire` in epoch milliseconds, NULL for no expiry.
    where: ({ asOf }) => ({ sql: 'rate_limits.expire < ?', bindings: [asOf.getTime()] }),
  }),
  batchedDeletion({
    name: 'expired-exports',
    description:
      'data export records whose link expired longer ago than RETENTION_EXPIRED_EXPORTS and whose archive is gone (kept under legal hold)',
    table: 'data_exports',
    // The export workflow deletes the archive at expiry; a record whose archive is still
    // stored (its workflow lost) is left for it, so no blob outlives its record.
    where: ({ asOf, settings }) => ({
      sql: `COALESCE(data_exports.expires_at, data_exports.created_at) < ?
        AND (data_exports.deleted_at IS NOT NULL OR data_exports.blob_key IS NULL)
        AND data_exports.status <> 'RUNNING' AND ${notHeld('data_exports')}`,
      bindings: [cutoff(asOf, settings.RETENTION_EXPIRED_EXPORTS)],
    }),
  }),
  batchedDeletion({
    name: 'orphaned-workspaces',
    description:
      'workspace records whose schema and role were dropped (or never made) longer ago than RETENTION_ORPHANED_WORKSPACES',
    table: 'workspaces',
    where: ({ asOf, settings }) => ({
      sql: `workspaces.status IN ('DEPROVISIONED','FAILED')
        AND COALESCE(workspaces.deprovisioned_at, workspaces.updated_at) < ? AND ${notHeld('workspaces')}`,
      bindings: [cutoff(asOf, settings.RETENTION_ORPHANED_WORKSPACES)],
    }),
  }),
  graduatesDue,
];

export function findPolicy(name: string): RetentionPolicy | undefined {
  return RETENTION_POLICIES.find((p) => p.name === name);
}
