import { z } from 'zod';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { durationSchema, rateSchema } from './duration';

const optionalUrl = z.url().optional();

/**
 * CHROMIUM_PATH's default: Debian's `chromium-headless-shell` when installed (the same
 * Chromium without the desktop browser layer: a fresh context per document costs a third
 * of the full browser's, see `npm run bench -- pdf`), else Debian's `chromium`.
 */
export const defaultChromiumPath = () =>
  existsSync('/usr/bin/chromium-headless-shell') ? '/usr/bin/chromium-headless-shell' : '/usr/bin/chromium';
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyEntry = (entry: string) => {
  if (PROXY_PRESETS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address ?? '');
  if (!version || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
};

/**
 * Express's `trust proxy`: which hops may set X-Forwarded-For (the client address that
 * rate limits key on): `true`, `false`, a hop count, or addresses, CIDRs and the names
 * loopback, linklocal, uniquelocal, comma-separated.
 */
const trustProxySchema = z
  .string()
  .default('loopback')
  .transform((value, ctx): boolean | number | string => {
    const text = value.trim();
    if (text === 'true' || text === 'false') return text === 'true';
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isProxyEntry(e));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `not an address, CIDR or preset: ${bad.join(', ')}` });
      return z.NEVER;
    }
    return entries.join(', ');
  });

/** Every setting Cohort reads from the environment; validated once at boot. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().default('http://localhost:3000'),
  /** Where people land: the OAuth redirect and the links in emails (default PUBLIC_BASE_URL). */
  FRONTEND_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().min(1),
  /** Student workspaces; default: database `cohort_workspaces` on DATABASE_URL's server. */
  WORKSPACE_DATABASE_URL: z.string().optional(),
  /** The host students connect to (their credentials name it); default: the workspace database's host. */
  WORKSPACE_PUBLIC_HOST: z.string().optional(),
  /** Task queues this worker serves, comma-separated (`default`, `pdf`, `workspace`); default: all. */
  WORKER_QUEUES: z
    .string()
    .default('default,pdf,workspace')
    .transform((v) =>
      v
        .split(',')
        .map((q) => q.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['default', 'pdf', 'workspace'])).min(1)),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE_PREFIX: z.string().default(''),
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  /**
   * Origins the Temporal UI is served from, comma-separated: the browsers there may call the
   * codec endpoint (CORS, with credentials). Default: TEMPORAL_UI_URL's origin.
   */
  TEMPORAL_UI_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const entries = v
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      const origins: string[] = [];
      for (const entry of entries) {
        const origin = URL.canParse(entry) ? new URL(entry).origin : 'null';
        if (origin === 'null' || origin !== entry.replace(/\/$/, '')) {
          ctx.addIssue({ code: 'custom', message: `not an origin (scheme://host[:port]): ${entry}` });
          return z.NEVER;
        }
        origins.push(origin);
      }
      return origins;
    }),
  /** mTLS client certificate and key (PEM file paths), e.g. for Temporal Cloud; both or neither. */
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  COHORT_ENCRYPTION_KEY: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)'),
  /** Keys rotated out, comma-separated: secret rows sealed under them still open (and re-seal under the current one). */
  COHORT_PREVIOUS_ENCRYPTION_KEYS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)'))),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_BASE: optionalUrl,
  POSTMARK_SERVER_TOKEN: z.string().optional(),
  POSTMARK_API_BASE: optionalUrl,
  POSTMARK_MESSAGE_STREAM: z.string().default('outbound'),
  /** Postmark's account token: with it, an erasure asks Postmark to remove the person's data (Data Removal API). */
  POSTMARK_ACCOUNT_TOKEN: z.string().optional(),
  EMAIL_FROM: z.string().default('Cohort <no-reply@cohort.local>'),
  SLACK_WEBHOOK_URL: optionalUrl,
  ADMIN_EMAIL: z.email().optional(),
  GITHUB_API_BASE: z.url().default('https://api.github.com'),
  GITHUB_TOKEN: z.string().optional(),
  GITHUB_VERIFY_REPOS: z.stringbool().default(false),
  S3_BUCKET: z.string().optional(),
  S3_ENDPOINT: optionalUrl,
  AWS_REGION: z.string().default('us-east-1'),
  SECRETS_BACKEND: z.enum(['db', 'aws']).default('db'),
  SECRETS_MANAGER_ENDPOINT: optionalUrl,
  CHROMIUM_PATH: z.string().default(defaultChromiumPath),
  DATA_DIR: z.string().default('.data'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_TOKEN: z.string().optional(),
  /** The worker's Prometheus exporter (Temporal SDK metrics: task latencies, slots, polls). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** OpenTelemetry tracing: spans go over OTLP/HTTP to `<endpoint>/v1/traces`; unset, tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  /** The `service.name` of exported spans; default `cohort-api` or `cohort-worker`. */
  OTEL_SERVICE_NAME: z.string().optional(),
  /** The prebuilt workflow bundle (`npm run build`) the worker loads; unset: bundled at start (development). */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  OAUTH_GITHUB_CLIENT_ID: z.string().optional(),
  OAUTH_GITHUB_CLIENT_SECRET: z.string().optional(),
  OAUTH_GITHUB_AUTHORIZE_URL: z.url().default('https://github.com/login/oauth/authorize'),
  OAUTH_GITHUB_TOKEN_URL: z.url().default('https://github.com/login/oauth/access_token'),
  OAUTH_GITHUB_USERINFO_URL: z.url().default('https://api.github.com/user'),
  OAUTH_GITHUB_EMAILS_URL: z.url().default('https://api.github.com/user/emails'),
  OAUTH_GOOGLE_CLIENT_ID: z.string().optional(),
  OAUTH_GOOGLE_CLIENT_SECRET: z.string().optional(),
  OAUTH_GOOGLE_ISSUER: z.url().default('https://accounts.google.com'),
  /** Base of the OAuth redirect URIs registered with providers; unset: the request's own origin. */
  OAUTH_REDIRECT_BASE_URL: optionalUrl,
  TRUST_PROXY: trustProxySchema,
  SESSION_TTL: durationSchema.prefault('30d'),
  /** A session unused this long is over, however long its lifetime. */
  SESSION_IDLE_TIMEOUT: durationSchema.prefault('7d'),
  /** Failed logins per account (email), on every replica together. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_FAILURE_WINDOW: durationSchema.prefault('15m'),
  /** Abuse limits per client address (or account), `N/duration`, shared through PostgreSQL. */
  RATE_LIMIT_LOGIN_IP: rateSchema.prefault('30/15m'),
  RATE_LIMIT_SIGNUP: rateSchema.prefault('10/1h'),
  RATE_LIMIT_SET_PASSWORD: rateSchema.prefault('10/1h'),
  RATE_LIMIT_VERIFY_EMAIL: rateSchema.prefault('10/1h'),
  RATE_LIMIT_FORGOT_PASSWORD_IP: rateSchema.prefault('10/1h'),
  RATE_LIMIT_FORGOT_PASSWORD_ACCOUNT: rateSchema.prefault('3/1h'),
  DELETION_COOL_OFF: durationSchema.prefault('14d'),
  EXPORT_LINK_TTL: durationSchema.prefault('7d'),
  WORKSPACE_TTL: durationSchema.prefault('90d'),
  /** Also each Checkout Session's expires_at, which Stripe takes only 30 minutes to 24 hours ahead. */
  CHECKOUT_EXPIRY: durationSchema
    .refine((ms) => ms >= 30 * 60_000 && ms <= 24 * 3_600_000, 'must be 30m to 24h (Stripe Checkout Session expiry)')
    .prefault('24h'),
  /** Lifetime of the set-password link in the welcome email of a user an admin created. */
  SET_PASSWORD_LINK_TTL: durationSchema.prefault('7d'),
  /** Lifetime of the link in the password-reset email (counted from its delivery). */
  PASSWORD_RESET_LINK_TTL: durationSchema.prefault('1h'),
  /** Lifetime of the link in the verify-email message sent at sign-up (counted from its delivery). */
  EMAIL_VERIFICATION_TTL: durationSchema.prefault('48h'),
  /** First wait before retrying a trainer assignment when every trainer is full (doubles, capped at 6h). */
  TRAINER_ASSIGNMENT_RETRY: durationSchema.prefault('15m'),
  RETENTION_AUDIT_LOGS: durationSchema.prefault('90d'),
  RETENTION_EVENT_LOGS: durationSchema.prefault('90d'),
  RETENTION_AFTER_GRADUATION: durationSchema.prefault('30d'),
  RETENTION_PAYMENTS: durationSchema.prefault('7y'),
  /** How long an export's record stays after its link expired and its archive was deleted. */
  RETENTION_EXPIRED_EXPORTS: durationSchema.prefault('30d'),
  /** How long a workspace's record stays after its schema and role were dropped (or its provisioning failed). */
  RETENTION_ORPHANED_WORKSPACES: durationSchema.prefault('30d'),
  /** When the retention-daily Schedule runs (cron, in RETENTION_SCHEDULE_TIME_ZONE). */
  RETENTION_SCHEDULE_CRON: z.string().trim().min(9).default('30 3 * * *'),
  /** An IANA time zone, so "03:30" stays 03:30 across daylight-saving changes. */
  RETENTION_SCHEDULE_TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone (e.g. UTC, Europe/Paris)')
    .default('UTC'),
  /** A run missed while Temporal was down is still made up this long after its time. */
  RETENTION_SCHEDULE_CATCHUP: durationSchema.prefault('12h'),
});

export type Config = z.output<typeof configSchema>;

/** Rules that span variables, checked with the rest so every problem is named at once. */
function crossFieldProblems(config: Config): string[] {
  const problems: string[] = [];
  if (Boolean(config.TEMPORAL_TLS_CERT) !== Boolean(config.TEMPORAL_TLS_KEY)) {
    problems.push('TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (mTLS client certificate and its key) or neither');
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment, naming every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, emptyAsUndefined(v)]));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const problems = crossFieldProblems(result.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}
