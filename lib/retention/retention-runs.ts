import type { Db } from '../db/knex';

export type RetentionRunStatus = 'RUNNING' | 'COMPLETED' | 'PARTIAL' | 'FAILED';

/** What one policy did in a run (or, in a dry run, found due). */
export interface PolicyReport {
  name: string;
  action: 'delete' | 'anonymize' | 'alert';
  /** Rows deleted, users anonymized, or alerts raised; in a dry run, how many are due. */
  count: number;
  /** Subjects the policy could not handle (the run is then PARTIAL). */
  failed: number;
  batches: number;
  durationMs: number;
  longestStatementMs: number;
  status: 'done' | 'failed';
  /** A failure's type name (e.g. AnonymizationUnavailable); never personal data. */
  error?: string;
}

export interface RetentionReport {
  dryRun: boolean;
  asOf: string;
  status: RetentionRunStatus;
  policies: PolicyReport[];
  durationMs: number;
}

export interface RetentionRunRow {
  id: string;
  workflowId: string;
  firstRunId: string;
  dryRun: boolean;
  status: RetentionRunStatus;
  asOf: Date;
  startedAt: Date;
  finishedAt: Date | null;
  report: RetentionReport | Record<string, never>;
}

/** One row per run (a workflow id and its first run id): a retried or continued run updates it. */
export async function recordRetentionRun(
  db: Db,
  run: { workflowId: string; firstRunId: string; dryRun: boolean; asOf: Date; report?: RetentionReport },
): Promise<void> {
  const status = run.report?.status ?? 'RUNNING';
  const finished = status === 'RUNNING' ? null : db.fn.now();
  await db('retentionRuns')
    .insert({
      workflowId: run.workflowId,
      firstRunId: run.firstRunId,
      dryRun: run.dryRun,
      asOf: run.asOf,
      status,
      finishedAt: finished,
      report: JSON.stringify(run.report ?? {}),
    })
    .onConflict(['workflowId', 'firstRunId'])
    .merge(run.report ? ['status', 'finishedAt', 'report'] : ['status']);
}

export async function listRetentionRuns(db: Db, limit = 10): Promise<RetentionRunRow[]> {
  return db('retentionRuns').orderBy('startedAt', 'desc').limit(limit);
}
