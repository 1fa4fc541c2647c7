import { defineQuery, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { dbActivities, emailActivities } from './shared/activity-options';

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
 * `review:<submissionId>`: every follow-up of one trainer review, so a crash loses none:
 * the feedback email; on approval of the project's last required deliverable, the
 * project completes, the next required project unlocks with any optional ones before it
 * (each with its email), and a finished track is handed to certification.
 */
export async function review(input: ReviewWorkflowInput): Promise<ReviewWorkflowResult> {
  let status = 'loading';
  setHandler(reviewStatusQuery, () => status);
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
    submissionId: input.submissionId,
    approved: facts.approved,
    projectCompleted: completed,
    unlockedProjectId: null,
    certificationWorkflowId: null,
  };

  if (completed) {
    status = 'unlocking next project';
    const { next, optional, trackCompleted } = await dbActivities.unlockNextProject({
      userId: facts.userId,
      projectId: facts.projectId,
    });
    // Keyed on the unlock itself, so however it is reached the student hears once.
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
  }
  status = 'done';
  return result;
}
