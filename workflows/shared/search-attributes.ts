import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Set on every workflow so ops can filter in the Temporal UI. */
export const CohortUserId = defineSearchAttributeKey('CohortUserId', SearchAttributeType.KEYWORD);
export const CohortTrack = defineSearchAttributeKey('CohortTrack', SearchAttributeType.KEYWORD);
export const CohortKind = defineSearchAttributeKey('CohortKind', SearchAttributeType.KEYWORD);
/** Where a workflow stands (upserted at each phase change), so ops can tell a saga stuck on payment from one enrolled. */
export const CohortPhase = defineSearchAttributeKey('CohortPhase', SearchAttributeType.KEYWORD);

export const COHORT_SEARCH_ATTRIBUTES = [CohortUserId, CohortTrack, CohortKind, CohortPhase];

export function cohortSearchAttributes(kind: string, userId?: string, track?: string, phase?: string) {
  return [
    { key: CohortKind, value: kind },
    ...(phase ? [{ key: CohortPhase, value: phase }] : []),
    ...(userId ? [{ key: CohortUserId, value: userId }] : []),
    ...(track ? [{ key: CohortTrack, value: track }] : []),
  ];
}
