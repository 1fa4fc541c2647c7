import type { Db } from '../db/knex';
import type { TrackCode } from '../domain/tracks';
import { workflowIds } from '../temporal/ids';
import { loadSubmissionFacts } from './load-submission-facts';
import { lockSubmissionRow } from './lock-committed-rows';
import { recordCertificationHandover } from './record-certification-handover';
import { settleProject } from './settle-project';
import { unlockNextProject } from './unlock-next-project';
import type { UnlockedProject } from './unlocked-project';

export interface ReviewSettlement {
  userId: string;
  projectId: string;
  projectTitle: string;
  deliverableTitle: string;
  track: TrackCode;
  approved: boolean;
  projectCompleted: boolean;
  /** The next required project, when the project completed and one follows. */
  next: UnlockedProject | null;
  /** Optional projects unlocked alongside it. */
  optional: UnlockedProject[];
  /** The certification due when the whole track is done. */
  certificationWorkflowId: string | null;
}

/**
 * Idempotent: everything a committed review decides, in the caller's transaction. It first
 * waits on the row lock the API's review transaction holds (so it sees the review once
 * committed, or nothing if rolled back), then settles the project (COMPLETED, or back to
 * IN_PROGRESS), unlocks what follows a completed one and records a finished track's
 * certification handover. `not-recorded`: no review was committed; `unknown-project`: the
 * project vanished.
 */
export async function settleReview(
  db: Db,
  submissionId: string,
): Promise<ReviewSettlement | 'not-recorded' | 'unknown-project'> {
  await lockSubmissionRow(db, submissionId);
  const facts = await loadSubmissionFacts(db, submissionId);
  if (!facts || facts.status === 'SUBMITTED') return 'not-recorded';
  const { status, ...rest } = facts;
  const settlement: ReviewSettlement = {
    ...rest,
    approved: status === 'APPROVED',
    projectCompleted: false,
    next: null,
    optional: [],
    certificationWorkflowId: null,
  };
  settlement.projectCompleted = (await settleProject(db, facts.userId, facts.projectId)).completed;
  if (!settlement.projectCompleted) return settlement;
  const unlocked = await unlockNextProject(db, facts.userId, facts.projectId);
  if (!unlocked) return 'unknown-project';
  settlement.next = unlocked.next;
  settlement.optional = unlocked.optional;
  if (unlocked.trackCompleted) {
    settlement.certificationWorkflowId = workflowIds.certificate(facts.userId, facts.track);
    await recordCertificationHandover(db, facts.userId, facts.track, settlement.certificationWorkflowId);
  }
  return settlement;
}
