import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { CohortActivities } from '../../activities/index';
import type { SendEmailInput } from '../../activities/email';
import type { ReviewSettlement } from '../../activities/learning';
import { reviewSettledUpdate } from '../../workflows/review';
import { installTestRuntime } from '../helpers/stack';

/** The review workflow's decisions, with fake activities on the real Temporal server. */
let connection: Connection;
let native: NativeConnection;
let client: Client;
beforeAll(async () => {
  installTestRuntime();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  await native?.close();
  await connection?.close();
});

type Scenario = Partial<ReviewSettlement> | 'not-recorded';

async function runReview(scenario: Scenario, options: { failEmails?: boolean } = {}) {
  const calls: { name: string; input: unknown }[] = [];
  const settlement: ReviewSettlement = {
    userId: 'u1',
    projectId: 'p1',
    projectTitle: 'P1',
    deliverableTitle: 'D1',
    track: 'DP',
    approved: true,
    projectCompleted: false,
    next: null,
    optional: [],
    certificationWorkflowId: null,
    ...(scenario === 'not-recorded' ? {} : scenario),
  };
  const activities: Partial<CohortActivities> = {
    settleReview: async (input) => {
      calls.push({ name: 'settleReview', input });
      if (scenario === 'not-recorded')
        throw ApplicationFailure.nonRetryable('The review was not committed.', 'ReviewNotRecorded');
      return settlement;
    },
    sendEmail: async (input: SendEmailInput) => {
      calls.push({ name: 'sendEmail', input });
      if (options.failEmails)
        throw ApplicationFailure.nonRetryable(
          'The email recipient does not exist (or was erased).',
          'EmailRecipientNotFound',
        );
      return { emailMessageId: randomUUID(), status: 'STORED' as const };
    },
  };
  const taskQueue = `review-wf-${randomUUID()}`;
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities,
  });
  const submissionId = randomUUID();
  const result = await worker.runUntil(
    client.workflow
      .execute('review', { args: [{ submissionId }], taskQueue, workflowId: `review:${submissionId}` })
      .catch((e: unknown) => e),
  );
  const emails = calls.filter((c) => c.name === 'sendEmail').map((c) => c.input as SendEmailInput);
  return { result, calls, emails, submissionId };
}

const unlocked = (projectId: string, projectTitle: string) => ({ projectId, projectTitle, newlyUnlocked: true });

describe('review workflow', () => {
  it('on changes requested: settled first, then the feedback email; nothing unlocked', async () => {
    const { result, calls, submissionId } = await runReview({ approved: false });
    expect(result).toEqual({
      submissionId,
      approved: false,
      projectCompleted: false,
      unlockedProjectId: null,
      certificationWorkflowId: null,
    });
    expect(calls.map((c) => c.name)).toEqual(['settleReview', 'sendEmail']);
    expect(calls[0]!.input).toEqual({ submissionId });
    expect(calls[1]!.input).toEqual({
      idempotencyKey: `review:${submissionId}:feedback`,
      template: 'feedback-available',
      recipient: { userId: 'u1' },
      data: { projectTitle: 'P1', deliverableTitle: 'D1', approved: false },
    });
  });

  it('on the approval that completes a project: the unlock settled before any email, then an email keyed on the unlock', async () => {
    const { result, calls, emails } = await runReview({ projectCompleted: true, next: unlocked('p2', 'P2') });
    expect(result).toMatchObject({
      approved: true,
      projectCompleted: true,
      unlockedProjectId: 'p2',
      certificationWorkflowId: null,
    });
    expect(calls[0]!.name).toBe('settleReview');
    expect(emails.map((e) => e.template).sort()).toEqual(['feedback-available', 'project-unlocked']);
    expect(emails.find((e) => e.template === 'project-unlocked')).toMatchObject({
      idempotencyKey: 'unlock:u1:p2',
      data: { projectTitle: 'P2' },
    });
  });

  it('announces optional projects unlocked alongside the next required one, each keyed on its unlock', async () => {
    const { result, emails } = await runReview({
      projectCompleted: true,
      next: unlocked('p6', 'Capstone'),
      optional: [unlocked('p5', 'ML')],
    });
    expect(result).toMatchObject({ projectCompleted: true, unlockedProjectId: 'p6' });
    const unlocks = emails.filter((e) => e.template === 'project-unlocked');
    expect(unlocks.map((e) => [e.idempotencyKey, e.data]).sort()).toEqual([
      ['unlock:u1:p5', { projectTitle: 'ML' }],
      ['unlock:u1:p6', { projectTitle: 'Capstone' }],
    ]);
  });

  it('on the last project: starts the certification handed over in the settlement, as a child it abandons', async () => {
    const userId = randomUUID();
    const certificationWorkflowId = `certificate:${userId}:DP`;
    const { result, calls } = await runReview({
      userId,
      projectCompleted: true,
      next: null,
      certificationWorkflowId,
    });
    expect(result).toMatchObject({ projectCompleted: true, unlockedProjectId: null, certificationWorkflowId });
    expect(calls.map((c) => c.name).filter((n) => n !== 'issueCertificate')).toEqual(['settleReview', 'sendEmail']);
    // The child outlives the review (ABANDON) and runs under the deterministic id.
    const child = client.workflow.getHandle(certificationWorkflowId);
    const described = await child.describe();
    expect(described.type).toBe('certification');
    expect(described.parentExecution?.workflowId).toMatch(/^review:/);
    await child.terminate('test done').catch(() => undefined);
  });

  it('completes with its outcome when every email fails for good (recipient erased)', async () => {
    const { result, emails } = await runReview(
      { projectCompleted: true, next: unlocked('p2', 'P2') },
      { failEmails: true },
    );
    expect(result).toMatchObject({ approved: true, projectCompleted: true, unlockedProjectId: 'p2' });
    expect(emails).toHaveLength(2);
  });

  it('fails without side effects when the review was never committed', async () => {
    const { result, calls } = await runReview('not-recorded');
    expect(result).toBeInstanceOf(WorkflowFailedError);
    // A local activity's failure surfaces as the workflow's cause itself.
    expect((result as WorkflowFailedError).cause).toMatchObject({ type: 'ReviewNotRecorded' });
    expect(calls.map((c) => c.name)).toEqual(['settleReview']);
  });

  /** A review whose settlement is `settlement` and whose emails wait until `run` releases them. */
  async function withEmailsHeld(
    settlement: Partial<ReviewSettlement>,
    run: (handle: WorkflowHandle, releaseEmails: () => void) => Promise<void>,
  ): Promise<void> {
    let releaseEmails!: () => void;
    const emailsHeld = new Promise<void>((resolve) => {
      releaseEmails = resolve;
    });
    const taskQueue = `review-wf-${randomUUID()}`;
    const submissionId = randomUUID();
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: {
        settleReview: async (): Promise<ReviewSettlement> => ({
          userId: 'u1',
          projectId: 'p1',
          projectTitle: 'P1',
          deliverableTitle: 'D1',
          track: 'DP',
          approved: true,
          projectCompleted: true,
          next: null,
          optional: [],
          certificationWorkflowId: null,
          ...settlement,
        }),
        sendEmail: async () => {
          await emailsHeld;
          return { emailMessageId: randomUUID(), status: 'STORED' as const };
        },
      },
    });
    await worker.runUntil(async () => {
      const handle = await client.workflow.start('review', {
        args: [{ submissionId }],
        taskQueue,
        workflowId: `review:${submissionId}`,
      });
      await run(handle, releaseEmails);
    });
  }

  it('answers the settled Update with the outcome while the emails are still being sent', async () => {
    await withEmailsHeld({ next: unlocked('p2', 'P2') }, async (handle, releaseEmails) => {
      const settled = await handle.executeUpdate(reviewSettledUpdate);
      expect(settled).toMatchObject({ projectCompleted: true, unlockedProjectId: 'p2' });
      expect((await handle.describe()).status.name).toBe('RUNNING'); // the emails are still on their way
      releaseEmails();
      expect(await handle.result()).toEqual(settled);
    });
  });

  it('answers the settled Update only once the certification it names has started', async () => {
    const userId = randomUUID();
    const certificationWorkflowId = `certificate:${userId}:DP`;
    await withEmailsHeld({ userId, certificationWorkflowId }, async (handle, releaseEmails) => {
      const settled = await handle.executeUpdate(reviewSettledUpdate);
      expect(settled.certificationWorkflowId).toBe(certificationWorkflowId);
      // A caller told the id may look it up at once: the workflow is there.
      const child = client.workflow.getHandle(certificationWorkflowId);
      expect((await child.describe()).type).toBe('certification');
      releaseEmails();
      await handle.result();
      await child.terminate('test done').catch(() => undefined);
    });
  });
});
