import type { Db } from '../db/knex';

/**
 * The personal-data registry: every table that holds personal data or refers to a user,
 * how its rows are exported, how they are erased, and how long they are kept. Export and
 * erasure are driven from this list, and test/integration/privacy-registry.test.ts reads
 * the database catalog so a new table or personal-looking column cannot slip past both.
 */

export const EXPORT_CATEGORIES = [
  'profile',
  'consents',
  'enrollments',
  'progress',
  'submissions',
  'payments',
  'certificates',
  'external-resources',
  'workspaces',
  'audit',
  'emails',
  'privacy-requests',
] as const;
export type ExportCategory = (typeof EXPORT_CATEGORIES)[number];

/** Placeholder values an anonymization writes; `pseudonym` becomes a per-user value. */
export type Replacement = null | string | boolean | 'now' | { pseudonym: 'email' | 'name' };

export type ErasureAction =
  | { kind: 'delete' }
  | { kind: 'anonymize'; set: Record<string, Replacement>; reason: string }
  | { kind: 'keep'; reason: string };

export interface RegistryEntry {
  table: string;
  /** Rows that belong to the user (knex, camelCase names). */
  rowsOf: (db: Db, userId: string) => ReturnType<Db>;
  /** Columns (snake_case) that hold personal data or a user reference. */
  personal: string[];
  /** Columns whose name looks personal but which hold none, with why. */
  notPersonal?: Record<string, string>;
  export?: { category: ExportCategory; columns: string[] };
  /** Account deletion: everything not under a legal duty goes. */
  deletion: ErasureAction;
  /** Anonymization: as deletion, but learning records stay under the pseudonym for statistics. */
  anonymization: ErasureAction;
  retention: string;
  /** The table lands with another capability; erasure skips it (and says so) while it is missing. */
  pending?: string;
}

const scoped =
  (table: string, column = 'userId') =>
  (db: Db, userId: string) =>
    db(table).where(column, userId);

const deleteRows: ErasureAction = { kind: 'delete' };

/** The same columns replaced on account deletion and on anonymization, each with its reason. */
const anonymizeOnErasure = (
  set: Record<string, Replacement>,
  reasons: { deletion: string; anonymization: string },
): Pick<RegistryEntry, 'deletion' | 'anonymization'> => ({
  deletion: { kind: 'anonymize', set, reason: reasons.deletion },
  anonymization: { kind: 'anonymize', set, reason: reasons.anonymization },
});

/** Order matters: children before the rows they reference; `users` last. */
export const PERSONAL_DATA_REGISTRY: RegistryEntry[] = [
  {
    table: 'sessions',
    rowsOf: scoped('sessions'),
    personal: ['user_id', 'ip_address', 'user_agent', 'token_hash'],
    deletion: deleteRows,
    anonymization: deleteRows,
    retention: 'until expiry or revocation; swept by retention',
  },
  {
    table: 'account_tokens',
    rowsOf: scoped('account_tokens'),
    personal: ['user_id', 'token_hash'],
    notPersonal: { email_message_id: 'the id of the message that carried the link' },
    deletion: deleteRows,
    anonymization: deleteRows,
    retention: 'until spent or expired',
  },
  {
    table: 'oauth_accounts',
    rowsOf: scoped('oauth_accounts'),
    personal: ['user_id', 'provider_user_id'],
    export: { category: 'profile', columns: ['provider', 'created_at'] },
    deletion: deleteRows,
    anonymization: deleteRows,
    retention: 'while the account exists',
  },
  {
    table: 'user_consents',
    rowsOf: scoped('user_consents'),
    personal: ['user_id', 'ip_address', 'user_agent'],
    export: {
      category: 'consents',
      columns: ['kind', 'granted', 'policy_version', 'terms_version', 'accepted_at', 'ip_address'],
    },
    ...anonymizeOnErasure(
      { ipAddress: null, userAgent: null },
      {
        deletion: 'proof of consent (GDPR art. 7(1)) kept under the anonymized id, without network data',
        anonymization: 'proof of consent kept under the pseudonym',
      },
    ),
    retention: 'as long as the processing it allowed, then retention',
  },
  {
    table: 'audit_logs',
    rowsOf: (db, userId) => db('audit_logs').where((q) => q.where('userId', userId).orWhere('actorId', userId)),
    personal: ['user_id', 'actor_id', 'ip_address', 'details'],
    export: { category: 'audit', columns: ['action', 'resource', 'outcome', 'timestamp', 'ip_address', 'details'] },
    ...anonymizeOnErasure(
      { ipAddress: null, details: '{}' },
      {
        deletion: 'security accountability: who did what stays, by id only, until RETENTION_AUDIT_LOGS',
        anonymization: 'security accountability, by id only',
      },
    ),
    retention: 'RETENTION_AUDIT_LOGS (90d)',
  },
  {
    table: 'email_messages',
    rowsOf: scoped('email_messages'),
    personal: ['user_id', 'to_address', 'subject', 'html_body', 'text_body', 'error'],
    notPersonal: { idempotency_key: 'workflow id + step: ids only', provider_message_id: "the provider's id" },
    export: { category: 'emails', columns: ['template', 'subject', 'status', 'created_at', 'sent_at', 'text_body'] },
    ...anonymizeOnErasure(
      { toAddress: '', subject: '', htmlBody: '', textBody: '', error: null },
      {
        deletion: 'proof that notices were sent (template, status, time), without address or content',
        anonymization: 'proof that notices were sent, without address or content',
      },
    ),
    retention: 'RETENTION_EVENT_LOGS (90d)',
  },
  {
    table: 'handovers',
    rowsOf: scoped('handovers'),
    personal: ['user_id'],
    notPersonal: { subject: 'the id of the thing handed over (a track or a submission)' },
    deletion: deleteRows,
    anonymization: { kind: 'keep', reason: 'ids only; part of the learning record' },
    retention: 'with the learning record',
  },
  {
    table: 'external_resources',
    rowsOf: scoped('external_resources'),
    personal: ['user_id', 'created_by', 'resource_url'],
    export: {
      category: 'external-resources',
      columns: ['resource_type', 'resource_url', 'credentials_stored', 'provisioned_at', 'deprovisioned_at'],
    },
    deletion: deleteRows,
    anonymization: {
      kind: 'anonymize',
      set: { resourceUrl: '' },
      reason: 'learning statistics keep the type and dates, not the address',
    },
    retention: 'with the learning record (RETENTION_AFTER_GRADUATION)',
  },
  {
    table: 'submissions',
    rowsOf: scoped('submissions'),
    personal: ['user_id', 'reviewer_id', 'repo_url', 'deployment_url', 'notes', 'feedback'],
    export: {
      category: 'submissions',
      columns: [
        'id',
        'project_id',
        'deliverable_id',
        'repo_url',
        'deployment_url',
        'notes',
        'status',
        'feedback',
        'reviewed_at',
        'created_at',
      ],
    },
    deletion: deleteRows,
    anonymization: {
      kind: 'anonymize',
      // GitHub URLs carry the username; notes and feedback are free text about the person.
      set: { repoUrl: null, deploymentUrl: null, notes: null, feedback: null },
      reason: 'learning statistics keep status and dates under the pseudonym',
    },
    retention: 'with the learning record (RETENTION_AFTER_GRADUATION)',
  },
  {
    table: 'step_completions',
    rowsOf: scoped('step_completions'),
    personal: ['user_id'],
    export: { category: 'progress', columns: ['step_id', 'completed_at'] },
    deletion: deleteRows,
    anonymization: { kind: 'keep', reason: 'learning statistics under the pseudonym' },
    retention: 'with the learning record (RETENTION_AFTER_GRADUATION)',
  },
  {
    table: 'student_progress',
    rowsOf: scoped('student_progress'),
    personal: ['user_id'],
    notPersonal: { workspace_schema: 'dp_student_<id>: built from the user id' },
    export: {
      category: 'progress',
      columns: [
        'project_id',
        'status',
        'unlocked_at',
        'started_at',
        'submitted_at',
        'completed_at',
        'workspace_schema',
      ],
    },
    deletion: deleteRows,
    anonymization: { kind: 'keep', reason: 'learning statistics under the pseudonym' },
    retention: 'with the learning record (RETENTION_AFTER_GRADUATION)',
  },
  {
    table: 'enrollment_status_requests',
    rowsOf: (db, userId) =>
      db('enrollment_status_requests').whereIn('enrollmentId', db('enrollments').select('id').where('userId', userId)),
    personal: ['actor_id', 'ip_address', 'reason'],
    export: { category: 'enrollments', columns: ['action', 'outcome', 'from_status', 'decided_at', 'created_at'] },
    ...anonymizeOnErasure(
      { reason: null, ipAddress: null },
      {
        deletion: 'the enrollment history stays beside the payment it explains (7-year duty)',
        anonymization: 'kept for learning statistics',
      },
    ),
    retention: 'RETENTION_PAYMENTS (7y), with its enrollment',
  },
  {
    table: 'enrollments',
    rowsOf: scoped('enrollments'),
    personal: ['user_id', 'trainer_id', 'notes', 'status_reason'],
    notPersonal: { checkout_session_id: "Stripe's id of the checkout, kept as a payment reference" },
    export: {
      category: 'enrollments',
      columns: ['track_code', 'status', 'enrolled_at', 'graduation_date', 'payment_verified', 'created_at'],
    },
    ...anonymizeOnErasure(
      { notes: null, statusReason: null },
      {
        deletion: 'payments refer to the enrollment they paid for (7-year bookkeeping duty)',
        anonymization: 'kept for learning statistics',
      },
    ),
    retention: 'RETENTION_PAYMENTS (7y)',
  },
  {
    table: 'payments',
    rowsOf: scoped('payments'),
    personal: ['user_id'],
    notPersonal: {
      stripe_checkout_session_id: "Stripe's reference",
      stripe_payment_intent_id: "Stripe's reference",
      stripe_refund_id: "Stripe's reference",
    },
    export: {
      category: 'payments',
      columns: [
        'track_code',
        'stripe_payment_intent_id',
        'amount_cents',
        'currency',
        'status',
        'paid_at',
        'refunded_at',
      ],
    },
    deletion: { kind: 'keep', reason: 'bookkeeping duty (7 years), kept under the anonymized id' },
    anonymization: { kind: 'keep', reason: 'bookkeeping duty (7 years)' },
    retention: 'RETENTION_PAYMENTS (7y)',
  },
  {
    table: 'trainers',
    rowsOf: scoped('trainers'),
    personal: ['user_id'],
    ...anonymizeOnErasure(
      { active: false },
      { deletion: 'enrollments refer to their trainer', anonymization: 'enrollments refer to their trainer' },
    ),
    retention: 'while the account exists',
  },
  {
    table: 'data_exports',
    rowsOf: scoped('data_exports'),
    personal: ['user_id', 'blob_key'],
    export: { category: 'privacy-requests', columns: ['status', 'created_at', 'ready_at', 'expires_at'] },
    deletion: deleteRows,
    anonymization: deleteRows,
    retention: 'EXPORT_LINK_TTL (7d), then the archive is deleted; the record RETENTION_EXPIRED_EXPORTS (30d) later',
  },
  {
    table: 'deletion_requests',
    rowsOf: scoped('deletion_requests'),
    personal: ['user_id', 'requested_by', 'captured_email'],
    export: {
      category: 'privacy-requests',
      columns: ['kind', 'status', 'requested_at', 'scheduled_for', 'cancelled_at'],
    },
    deletion: {
      kind: 'keep',
      reason:
        'the proof of erasure (ids and counts); the captured address is nulled once the last email is handed over',
    },
    anonymization: { kind: 'keep', reason: 'the proof of erasure' },
    retention: 'RETENTION_PAYMENTS (7y): proof of erasure',
  },
  {
    table: 'certificates',
    rowsOf: scoped('certificates'),
    personal: ['user_id', 'holder_name', 'revoked_by', 'revocation_reason', 'pdf_blob_key'],
    notPersonal: { pdf_sha256: 'a digest of the PDF, which the blob erasure deletes' },
    export: {
      category: 'certificates',
      columns: ['verification_code', 'track_code', 'holder_name', 'issued_at', 'revoked_at'],
    },
    // The verify page then says "withdrawn at the holder's request" instead of "unknown"; the PDF blob is deleted.
    ...anonymizeOnErasure(
      {
        holderName: 'Withdrawn',
        revokedAt: 'now',
        revocationReason: 'withdrawn at the holder\u2019s request',
        pdfBlobKey: null,
      },
      {
        deletion: 'the verification code answers "withdrawn" instead of "unknown"',
        anonymization: 'the verification code answers "withdrawn"',
      },
    ),
    retention: 'while the account exists',
  },
  {
    table: 'workspaces',
    rowsOf: scoped('workspaces'),
    personal: ['user_id', 'schema_name', 'role_name', 'workflow_id'],
    export: {
      category: 'workspaces',
      columns: ['schema_name', 'status', 'provisioned_at', 'expires_at', 'deprovisioned_at'],
    },
    deletion: deleteRows,
    anonymization: deleteRows,
    retention:
      'WORKSPACE_TTL (90d); the schema and role are dropped by the workspace workflow first, the record RETENTION_ORPHANED_WORKSPACES (30d) later',
  },
  {
    table: 'privacy_requests',
    rowsOf: scoped('privacy_requests'),
    personal: ['user_id'],
    notPersonal: { source_key: 'the workflow id of the request (ids only)' },
    export: { category: 'privacy-requests', columns: ['kind', 'opened_at', 'deadline_at', 'closed_at', 'outcome'] },
    deletion: { kind: 'keep', reason: 'proof that the request was answered within its legal deadline (ids only)' },
    anonymization: { kind: 'keep', reason: 'proof that the request was answered within its legal deadline' },
    retention: 'RETENTION_PAYMENTS (7y): proof of compliance',
  },
  {
    table: 'users',
    rowsOf: (db, userId) => db('users').where('id', userId),
    personal: ['email', 'full_name', 'password_hash', 'legal_hold_reason'],
    notPersonal: { email_verified_at: 'a timestamp', must_set_password: 'a flag' },
    export: {
      category: 'profile',
      columns: [
        'id',
        'email',
        'full_name',
        'role',
        'privacy_accepted',
        'privacy_accepted_at',
        'privacy_version',
        'terms_version',
        'marketing_consent',
        'data_retention_consent',
        'email_verified_at',
        'created_at',
      ],
    },
    ...anonymizeOnErasure(
      {
        email: { pseudonym: 'email' },
        fullName: { pseudonym: 'name' },
        passwordHash: null,
        legalHoldReason: null,
        emailVerifiedAt: null,
        marketingConsent: false,
        anonymized: true,
        anonymizedAt: 'now',
      },
      {
        deletion: 'the row stays as the anonymized id payments and the erasure report refer to',
        anonymization: 'the pseudonym learning records are kept under',
      },
    ),
    retention: 'anonymized on erasure; the id stays',
  },
];

/**
 * Tables that hold no personal data although a column name or a user reference says
 * otherwise, with why. The catalog test accepts these.
 */
export const NOT_PERSONAL_TABLES: Record<string, string> = {
  rate_limits: 'keys are HMAC-SHA256 digests of the IP or email with a server secret, and expire within the window',
  slack_posts: 'admin alert bookkeeping: idempotency keys are workflow ids, no text is stored',
  privacy_policies: 'policy texts; created_by names the admin who published them, by id',
  terms_of_service: 'policy texts; created_by names the admin who published them, by id',
  stripe_events: "Stripe's event ids and object ids only",
  projects: 'curriculum',
  steps: 'curriculum',
  deliverables: 'curriculum',
  tracks: 'curriculum',
  knex_migrations: 'migration bookkeeping',
  secrets: 'AES-256-GCM ciphertext of workspace passwords, named by ids; deleted with the workspace',
  retention_runs: 'run reports: counts per policy, no user data',
  knex_migrations_lock: 'migration bookkeeping',
};

/** Column names that look personal: the catalog test asks the registry about each. */
export const PERSONAL_LOOKING_COLUMN =
  /(^|_)(email|name|ip|ip_address|url|address|notes|body|key|token|token_hash|phone|agent|reason|feedback|details|password|hash)($|_)/;

export const registryEntry = (table: string) => PERSONAL_DATA_REGISTRY.find((e) => e.table === table);
