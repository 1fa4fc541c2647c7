import { configSchema, type Config } from '../config';
import type { Db } from '../db/knex';

const RETENTION_KEYS = {
  RETENTION_AUDIT_LOGS: true,
  RETENTION_EVENT_LOGS: true,
  RETENTION_AFTER_GRADUATION: true,
  RETENTION_PAYMENTS: true,
  RETENTION_EXPIRED_EXPORTS: true,
  RETENTION_ORPHANED_WORKSPACES: true,
  SESSION_IDLE_TIMEOUT: true,
} as const;

/** The periods retention works with, read from config (RETENTION_*, SESSION_IDLE_TIMEOUT). */
export type RetentionSettings = Pick<Config, keyof typeof RETENTION_KEYS>;

/** The periods as config defaults them when nothing is set (the benchmark's and tests' settings). */
export const DEFAULT_RETENTION_SETTINGS: RetentionSettings = configSchema.pick(RETENTION_KEYS).parse({});

/** One run's view of time: every policy of a run measures from the same instant. */
export interface RetentionContext {
  asOf: Date;
  settings: RetentionSettings;
}

/** One statement's work: rows handled, where to continue (opaque to callers), whether the policy has nothing more. */
export interface BatchResult {
  handled: number;
  cursor: string | null;
  done: boolean;
}

/**
 * A policy that deletes expired rows, a batch at a time. Each batch is one short
 * statement under a statement and lock timeout (it locks only the rows it deletes, for
 * well under a second), so nothing waits on retention for long. Policies of later capabilities (expired exports, orphaned
 * workspaces) implement this and join the registry.
 */
export interface DeletionPolicy {
  kind: 'delete';
  name: string;
  description: string;
  countDue(db: Db, ctx: RetentionContext): Promise<number>;
  /** `limit` is in the policy's own unit (heap blocks for batchedDeletion); runDeletion adapts it. */
  deleteBatch(db: Db, ctx: RetentionContext, cursor: string | null, limit: number): Promise<BatchResult>;
}

/**
 * A policy whose subjects are users handled by another capability (anonymization by the
 * privacy erasure steps): it only selects who is due; the workflow hands each to that
 * capability's activity.
 */
export interface SubjectPolicy {
  kind: 'subjects';
  name: string;
  description: string;
  /** The activity that handles one subject. */
  action: 'anonymizeUser';
  countDue(db: Db, ctx: RetentionContext): Promise<number>;
  selectDue(db: Db, ctx: RetentionContext, cursor: string | null, limit: number): Promise<{ ids: string[] }>;
}

export type RetentionPolicy = DeletionPolicy | SubjectPolicy;

const YEAR_MS = 31_536_000_000;

/**
 * `asOf` minus a retention period. Whole years count by the calendar (7y after 2019-03-01
 * is 2026-03-01, leap days included): ending a legal retention duty a day or two early is
 * the worse mistake.
 */
export function cutoff(asOf: Date, periodMs: number): Date {
  if (periodMs > 0 && periodMs % YEAR_MS === 0) {
    const d = new Date(asOf);
    d.setUTCFullYear(d.getUTCFullYear() - periodMs / YEAR_MS);
    return d;
  }
  return new Date(asOf.getTime() - periodMs);
}
