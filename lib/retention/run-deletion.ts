import type { Knex } from '../db/knex';
import type { DeletionPolicy, RetentionContext } from './policy';

export interface DeletionTuning {
  /** First batch size (heap blocks); it then adapts so each statement takes about `targetStatementMs`. */
  initialBatch?: number;
  maxBatch?: number;
  targetStatementMs?: number;
  /** A statement is cancelled past this (and retried at half size): no lock is held longer. */
  statementTimeoutMs?: number;
  /** Stop after this long and return the cursor (the caller continues in a new activity or run). */
  budgetMs?: number;
}

export interface DeletionProgress {
  handled: number;
  batches: number;
  cursor: string | null;
  done: boolean;
  durationMs: number;
  longestStatementMs: number;
}

// Cancelled by statement_timeout, or a row lock another transaction held past lock_timeout.
const RETRY_SMALLER = new Set(['57014', '55P03']);
const MAX_RETRIES_IN_A_ROW = 5;

/**
 * Deletes a policy's expired rows in batches from `cursor` until none are left or the
 * budget is spent. Each batch runs in its own short transaction under a statement
 * timeout, so no row lock outlives it; batch sizes grow while statements are quick and
 * shrink when they are slow. `onBatch` sees progress after each batch (heartbeats).
 */
export async function runDeletion(
  knex: Knex,
  policy: DeletionPolicy,
  ctx: RetentionContext,
  start: { cursor: string | null },
  onBatch: (progress: DeletionProgress) => void = () => undefined,
  tuning: DeletionTuning = {},
): Promise<DeletionProgress> {
  const maxBatch = tuning.maxBatch ?? 8_192;
  const target = tuning.targetStatementMs ?? 300;
  const timeoutMs = tuning.statementTimeoutMs ?? 900;
  const budgetMs = tuning.budgetMs ?? 120_000;
  let limit = Math.min(tuning.initialBatch ?? 64, maxBatch);
  const began = performance.now();
  const progress: DeletionProgress = {
    handled: 0,
    batches: 0,
    cursor: start.cursor,
    done: false,
    durationMs: 0,
    longestStatementMs: 0,
  };
  // At least one batch per call, so a caller looping on the cursor always moves on.
  let retries = 0;
  do {
    const t0 = performance.now();
    try {
      const batch = await knex.transaction(async (trx) => {
        await trx.raw(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
        await trx.raw(`SET LOCAL lock_timeout = ${Math.floor(timeoutMs / 2)}`);
        return policy.deleteBatch(trx, ctx, progress.cursor, limit);
      });
      const ms = performance.now() - t0;
      progress.longestStatementMs = Math.max(progress.longestStatementMs, ms);
      progress.handled += batch.handled;
      progress.cursor = batch.cursor;
      progress.done = batch.done;
      progress.batches += 1;
      retries = 0;
      if (ms < target / 2) limit = Math.min(maxBatch, limit * 2);
      else if (ms > target * 2) limit = Math.max(1, Math.floor(limit / 2));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRY_SMALLER.has(code) || ++retries > MAX_RETRIES_IN_A_ROW) throw error;
      limit = Math.max(1, Math.floor(limit / 4));
    }
    progress.durationMs = performance.now() - began;
    onBatch({ ...progress });
  } while (!progress.done && performance.now() - began < budgetMs);
  progress.durationMs = performance.now() - began;
  return progress;
}
