import { upsertSearchAttributes } from '@temporalio/workflow';
import { CohortPhase } from '../../lib/temporal/search-attributes';

/**
 * Upserts `CohortPhase`, so the Temporal UI and `temporal workflow list --query` can
 * filter on where a workflow stands. Call it on each phase change, not in a loop:
 * every call is a command in the history (guard it with `patched()` in a workflow that
 * has recorded histories without it).
 */
export function setPhase(phase: string): void {
  upsertSearchAttributes([{ key: CohortPhase, value: phase }]);
}
