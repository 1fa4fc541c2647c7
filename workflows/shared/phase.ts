import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { CohortPhase } from './search-attributes';

/**
 * Upserts `CohortPhase`, so the Temporal UI and `temporal workflow list --query` can
 * filter on where a workflow stands. Call it on each phase change, not in a loop:
 * every call is a command in the history (guard it with `patched()` in a workflow that
 * has recorded histories without it).
 */
export function setPhase(phase: string): void {
  // One spelling for every workflow (COOL_OFF, not cool-off), so ops' queries need not guess.
  upsertSearchAttributes([{ key: CohortPhase, value: phase.toUpperCase().replace(/[^A-Z0-9]+/g, '_') }]);
}

/**
 * For a workflow with recorded histories from before its phases were upserted: returns a
 * setter that upserts only in runs that took the `cohort-phase` patch (call this once,
 * at the workflow's start), so those histories still replay.
 */
export function phaseSetter(patchId = 'cohort-phase'): (phase: string) => void {
  const enabled = patched(patchId);
  return (phase) => {
    if (enabled) setPhase(phase);
  };
}
