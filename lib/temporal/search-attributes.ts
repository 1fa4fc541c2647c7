import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Set on every workflow so ops can filter in the Temporal UI. */
export const CohortUserId = defineSearchAttributeKey('CohortUserId', SearchAttributeType.KEYWORD);
export const CohortTrack = defineSearchAttributeKey('CohortTrack', SearchAttributeType.KEYWORD);
export const CohortKind = defineSearchAttributeKey('CohortKind', SearchAttributeType.KEYWORD);

export const COHORT_SEARCH_ATTRIBUTES = [CohortUserId, CohortTrack, CohortKind];

export function cohortSearchAttributes(kind: string, userId?: string, track?: string) {
  return [
    { key: CohortKind, value: kind },
    ...(userId ? [{ key: CohortUserId, value: userId }] : []),
    ...(track ? [{ key: CohortTrack, value: track }] : []),
  ];
}
