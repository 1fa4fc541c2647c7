import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { CohortActivities } from '../../activities/index';
import type { SendEmailInput } from '../../activities/email';
import type { ReviewFacts } from '../../activities/learning';
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

interface Scenario {
  facts: Partial<ReviewFacts>;
  completed?: boolean;
  next?: { projectId: string; projectTitle: string } | null;
  optional?: { projectId: string; projectTitle: string }[];
  trackCompleted?: boolean;
}

async function runReview(scenario: Scenario | 'not-recorded') {
  const calls: { name: string; input: unknown }[] = [];
  const record =
    <T>(name: string, result: T) =>
    async (input: unknown) => {
      calls.push({ name, input });
      return result;
    };
  const facts: ReviewFacts = {
    userId: 'u1',
    projectId: 'p1',
    projectTitle: 'P1',
    deliverableTitle: 'D1',
    track: 'DP',
    approved: true,
    ...(scenario === 'not-recorded' ? {} : scenario.facts),
  };
  const activities: Partial<CohortActivities> = {
    loadReview:
      scenario === 'not-recorded'
        ? async () => {
            throw ApplicationFailure.nonRetryable('The review was not committed.', 'ReviewNotRecorded');
          }
        : record('loadReview', facts),
    sendEmail: async (input: SendEmailInput) => {
      calls.push({ name: 'sendEmail', input });
      return { emailMessageId: randomUUID(), status: 'STORED' as const };
    },
    settleProjectAfterReview: record('settleProjectAfterReview', {
      completed: scenario !== 'not-recorded' && (scenario.completed ?? false),
    }),
    unlockNextProject: record('unlockNextProject', {
      next: scenario !== 'not-recorded' && scenario.next ? { ...scenario.next, newlyUnlocked: true } : null,
      optional:
        scenario !== 'not-recorded' ? (scenario.optional ?? []).map((p) => ({ ...p, newlyUnlocked: true })) : [],
      trackCompleted: scenario !== 'not-recorded' && (scenario.trackCompleted ?? false),
    }),
    handOverToCertification: record('handOverToCertification', { workflowId: 'certificate:u1:DP' }),
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
  return { result, calls, submissionId };
}

describe('review workflow', () => {
  it('on changes requested: the feedback email and the project settled, nothing unlocked', async () => {
    const { result, calls, submissionId } = await runReview({ facts: { approved: false } });
    expect(result).toEqual({
      submissionId,
      approved: false,
      projectCompleted: false,
      unlockedProjectId: null,
      certificationWorkflowId: null,
    });
    expect(calls.map((c) => c.name)).toEqual(['loadReview', 'sendEmail', 'settleProjectAfterReview']);
    expect(calls[1]!.input).toEqual({
      idempotencyKey: `review:${submissionId}:feedback`,
      template: 'feedback-available',
      recipient: { userId: 'u1' },
      data: { projectTitle: 'P1', deliverableTitle: 'D1', approved: false },
    });
  });

  it('on the approval that completes a project: unlocks the next with an email keyed on the unlock', async () => {
    const { result, calls } = await runReview({
      facts: {},
      completed: true,
      next: { projectId: 'p2', projectTitle: 'P2' },
    });
    expect(result).toMatchObject({
      approved: true,
      projectCompleted: true,
      unlockedProjectId: 'p2',
      certificationWorkflowId: null,
    });
    expect(calls.map((c) => c.name)).toEqual([
      'loadReview',
      'sendEmail',
      'settleProjectAfterReview',
      'unlockNextProject',
      'sendEmail',
    ]);
    expect(calls[4]!.input).toMatchObject({
      idempotencyKey: 'unlock:u1:p2',
      template: 'project-unlocked',
      data: { projectTitle: 'P2' },
    });
  });

  it('announces optional projects unlocked alongside the next required one, each keyed on its unlock', async () => {
    const { result, calls } = await runReview({
      facts: {},
      completed: true,
      next: { projectId: 'p6', projectTitle: 'Capstone' },
      optional: [{ projectId: 'p5', projectTitle: 'ML' }],
    });
    expect(result).toMatchObject({ projectCompleted: true, unlockedProjectId: 'p6' });
    expect(calls.map((c) => c.name)).toEqual([
      'loadReview',
      'sendEmail',
      'settleProjectAfterReview',
      'unlockNextProject',
      'sendEmail',
      'sendEmail',
    ]);
    expect(calls.slice(4).map((c) => c.input)).toEqual([
      expect.objectContaining({
        idempotencyKey: 'unlock:u1:p6',
        template: 'project-unlocked',
        data: { projectTitle: 'Capstone' },
      }),
      expect.objectContaining({
        idempotencyKey: 'unlock:u1:p5',
        template: 'project-unlocked',
        data: { projectTitle: 'ML' },
      }),
    ]);
  });

  it('on the last project: hands over to certification', async () => {
    const { result, calls } = await runReview({ facts: {}, completed: true, next: null, trackCompleted: true });
    expect(result).toMatchObject({
      projectCompleted: true,
      unlockedProjectId: null,
      certificationWorkflowId: 'certificate:u1:DP',
    });
    expect(calls.at(-1)).toEqual({ name: 'handOverToCertification', input: { userId: 'u1', track: 'DP' } });
  });

  it('fails without side effects when the review was never committed', async () => {
    const { result, calls } = await runReview('not-recorded');
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(((result as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe('ReviewNotRecorded');
    expect(calls).toEqual([]);
  });
});
