import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { TrackCode } from '../lib/domain/tracks';
import { cohortSearchAttributes } from './shared/search-attributes';
import type { certification } from './certification';
import type { ReviewSettlement } from '../activities/learning';
import { dbActivities, emailActivities, localDbActivities } from './shared/activity-options';
import { workflowIds } from './shared/ids';
import { createNotifier } from './shared/notify';
import { phaseSetter } from './shared/phase';
import { workspaceProjectCompleted } from './workspace';

export interface ReviewWorkflowInput {
  submissionId: string;
}
export interface ReviewWorkflowResult {
  submissionId: string;
  approved: boolean;
  projectCompleted: boolean;
  unlockedProjectId: string | null;
  certificationWorkflowId: string | null;
}

export const reviewStatusQuery = defineQuery<string>('status');
/**
 * Answers once the review is settled (project completed or not, next project unlocked,
 * certification handed over), before any email: the API's 200 waits on this, not on email.
 */
export const reviewSettledUpdate = defineUpdate<ReviewWorkflowResult>('settled');

/**
 * `review:<submissionId>`: every follow-up of one trainer review, so a crash loses none.
 * First the settlement, in one transaction (a local activity: the trainer waits on it):
 * on approval of the project's last required deliverable the project completes, the next
 * required project unlocks with any optional ones before it, and a finished track is
 * handed to certification. Then the emails (feedback, each unlock), each of which may
 * fail after its retries without touching the settlement.
 */
export async function review(input: ReviewWorkflowInput): Promise<ReviewWorkflowResult> {
  let status = 'loading';
  let outcome: ReviewWorkflowResult | undefined;
  /** What the `settled` Update answers, once the settlement and its hand-over are done. */
  let answer: ReviewWorkflowResult | undefined;
  setHandler(reviewStatusQuery, () => status);
  setHandler(reviewSettledUpdate, async () => {
    await condition(() => answer !== undefined);
    return answer!;
  });

  const setPhase = phaseSetter();
  // Reviews recorded before settle-first (test/histories/review-*.json) replay on the old order.
  if (!patched('settle-first')) {
    outcome = await emailThenSettle(input);
    answer = outcome;
    status = 'done';
    await condition(allHandlersFinished);
    return outcome;
  }

  status = 'settling';
  setPhase('SETTLING');
  const settled = await localDbActivities.settleReview(input);
  outcome = {
    submissionId: input.submissionId,
    approved: settled.approved,
    projectCompleted: settled.projectCompleted,
    unlockedProjectId: settled.next?.projectId ?? null,
    certificationWorkflowId: settled.certificationWorkflowId,
  };
  // Reviews recorded before this answered as soon as the settlement committed, so a caller
  // could ask for the certification workflow it names before the review had started it.
  if (!patched('settled-after-handover')) answer = outcome;
  // A completed DP project ends the workspace made for it (the workspace checks the project);
  // guarded: reviews recorded before this replay without the signal.
  if (settled.projectCompleted && settled.track === 'DP' && patched('signal-workspace')) {
    status = 'signalling workspace';
    await getExternalWorkflowHandle(workflowIds.workspace(settled.userId))
      .signal(workspaceProjectCompleted, { projectId: settled.projectId })
      .catch(() => undefined); // No workspace running (none made, or ended already): nothing to end.
  }

  // Reviews recorded before certification existed replay without starting it.
  if (settled.certificationWorkflowId && patched('start-certification')) {
    status = 'starting certification';
    await startCertification(settled.userId, settled.track, settled.certificationWorkflowId);
  }
  answer = outcome;

  status = 'emailing';
  setPhase('NOTIFYING');
  const notifier = createNotifier();
  notifier.notify('feedback-email', () =>
    emailActivities.sendEmail({
      idempotencyKey: `${workflowInfo().workflowId}:feedback`,
      template: 'feedback-available',
      recipient: { userId: settled.userId },
      data: {
        projectTitle: settled.projectTitle,
        deliverableTitle: settled.deliverableTitle,
        approved: settled.approved,
      },
    }),
  );
  for (const project of unlockedProjects(settled))
    notifier.notify('project-unlocked-email', () =>
      emailActivities.sendEmail({
        // Keyed on the unlock itself, so however it is reached the student hears once.
        idempotencyKey: `unlock:${settled.userId}:${project.projectId}`,
        template: 'project-unlocked',
        recipient: { userId: settled.userId },
        data: { projectTitle: project.projectTitle },
      }),
    );
  await notifier.settled();
  status = 'done';
  setPhase('DONE');
  await condition(allHandlersFinished);
  return outcome;

  /** The order before settle-first: the feedback email, then the settlement and each unlock's email. */
  async function emailThenSettle({ submissionId }: ReviewWorkflowInput): Promise<ReviewWorkflowResult> {
    const facts = await dbActivities.loadReview(input);

    status = 'emailing feedback';
    await emailActivities.sendEmail({
      idempotencyKey: `${workflowInfo().workflowId}:feedback`,
      template: 'feedback-available',
      recipient: { userId: facts.userId },
      data: { projectTitle: facts.projectTitle, deliverableTitle: facts.deliverableTitle, approved: facts.approved },
    });

    status = 'settling project';
    const { completed } = await dbActivities.settleProjectAfterReview({
      userId: facts.userId,
      projectId: facts.projectId,
    });
    const result: ReviewWorkflowResult = {
      submissionId,
      approved: facts.approved,
      projectCompleted: completed,
      unlockedProjectId: null,
      certificationWorkflowId: null,
    };
    if (!completed) return result;

    status = 'unlocking next project';
    const { next, optional, trackCompleted } = await dbActivities.unlockNextProject({
      userId: facts.userId,
      projectId: facts.projectId,
    });
    const announce = (project: { projectId: string; projectTitle: string }) =>
      emailActivities.sendEmail({
        idempotencyKey: `unlock:${facts.userId}:${project.projectId}`,
        template: 'project-unlocked',
        recipient: { userId: facts.userId },
        data: { projectTitle: project.projectTitle },
      });
    if (next) {
      result.unlockedProjectId = next.projectId;
      await announce(next);
    }
    // Reviews recorded before optional projects unlocked alongside replay without these sends.
    if (patched('announce-optional-unlocks')) {
      for (const project of optional ?? []) await announce(project);
    }
    if (trackCompleted) {
      status = 'handing over to certification';
      result.certificationWorkflowId = (
        await dbActivities.handOverToCertification({ userId: facts.userId, track: facts.track })
      ).workflowId;
    }
    return result;
  }
}

/**
 * Hands a finished track to `certificate:<userId>:<track>` as a child that outlives this
 * review (ABANDON). Idempotent: a certification already running or done (started by
 * `POST /api/certificates/generate`, or by a replayed review) is left as it is; only a
 * failed one may run again.
 */
async function startCertification(userId: string, track: TrackCode, workflowId: string): Promise<void> {
  try {
    await startChild<typeof certification>('certification', {
      workflowId,
      args: [{ userId, track }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: cohortSearchAttributes('certification', userId, track, 'issuing'),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** The projects a settlement opened, the next required one first. */
const unlockedProjects = (settled: ReviewSettlement) => [...(settled.next ? [settled.next] : []), ...settled.optional];
