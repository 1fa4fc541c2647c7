import { defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import { dbActivities, emailActivities } from './shared/activity-options';
import { phaseSetter } from './shared/phase';

export interface SubmissionWorkflowInput {
  submissionId: string;
  userId: string;
  projectId: string;
}
export interface SubmissionWorkflowResult {
  submissionId: string;
  emailStatus: string;
}

export const submissionStatusQuery = defineQuery<string>('status');

/** `submission:<submissionId>`: the project moves to SUBMITTED, then the "submission received" email. */
export async function submission(input: SubmissionWorkflowInput): Promise<SubmissionWorkflowResult> {
  let status = 'recording';
  setHandler(submissionStatusQuery, () => status);
  const setPhase = phaseSetter();
  setPhase('RECORDING');
  const facts = await dbActivities.recordSubmission(input);
  status = 'emailing';
  setPhase('NOTIFYING');
  const email = await emailActivities.sendEmail({
    idempotencyKey: `${workflowInfo().workflowId}:received`,
    template: 'submission-received',
    recipient: { userId: facts.userId },
    data: { projectTitle: facts.projectTitle, deliverableTitle: facts.deliverableTitle },
  });
  status = 'done';
  setPhase('DONE');
  return { submissionId: input.submissionId, emailStatus: email.status };
}
