import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index';
import type { SendEmailInput } from '../../activities/email';
import { createLogger } from '../../lib/logger';
import { buildActivityDeps } from '../../worker/deps';
import { startFakePostmark, type FakePostmark } from '../fakes/postmark';
import { emailCounts, enrollStudent, reviewWorkflowsFinished, trackOutline } from '../helpers/enrollment';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

let stack: TestStack;
let postmark: FakePostmark;
beforeAll(async () => {
  postmark = await startFakePostmark();
  stack = await startStack({ env: { POSTMARK_SERVER_TOKEN: postmark.token, POSTMARK_API_BASE: postmark.baseUrl } });
});
afterAll(async () => {
  await stack?.close();
  await postmark?.close();
});

/**
 * A worker that dies at the worst moment of a review: the feedback email has reached
 * Postmark, but the activity's completion never reaches Temporal (the worker is shut
 * down while the activity hangs, as a killed process would leave it).
 */
async function startWorkerThatDiesAfterFeedbackEmail() {
  const connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS });
  const real = createActivities(await buildActivityDeps(stack.config, stack.knex, createLogger('silent')));
  let emailSent!: () => void;
  const sent = new Promise<void>((resolve) => {
    emailSent = resolve;
  });
  const worker = await Worker.create({
    connection,
    namespace: stack.config.TEMPORAL_NAMESPACE,
    dataConverter: stack.dataConverter,
    taskQueue: stack.taskQueues.default,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '100ms',
    activities: {
      ...real,
      async sendEmail(input: SendEmailInput) {
        const result = await real.sendEmail(input);
        if (input.template !== 'feedback-available') return result;
        emailSent();
        await Context.current().cancelled; // hangs until the worker goes down
        return result;
      },
    },
  });
  const running = worker.run();
  return {
    sent,
    async crash() {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

describe('a review survives a worker crash between its steps', () => {
  it('ends with one feedback email, the project completed and the next unlocked (with one email)', async () => {
    const student = await createTestUser(stack.knex);
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
    const [first, second] = (await trackOutline(stack.knex, 'DP')).filter((p) => p.required);
    const as = stack.http.as(student.token);
    expect((await as.post(`/api/projects/${first!.id}/start`)).status).toBe(200);
    const [d1, d2] = first!.steps.flatMap((s) => s.deliverables);
    const s1 = await as.post(`/api/projects/${first!.id}/submissions`, {
      deliverableId: d1!.id,
      repoUrl: 'https://github.com/ada-l/one',
    });
    const s2 = await as.post(`/api/projects/${first!.id}/submissions`, {
      deliverableId: d2!.id,
      deploymentUrl: 'https://ada.example.test/',
    });
    expect(
      (
        await stack.http
          .as(trainer.token)
          .post(`/api/submissions/${s1.body.id}/review`, { decision: 'APPROVED', feedback: 'Good.' })
      ).status,
    ).toBe(200);

    await stack.stopWorker();
    const dying = await startWorkerThatDiesAfterFeedbackEmail();
    const before = postmark.messages.length;
    const reviewRequest = stack.http
      .as(trainer.token)
      .post(`/api/submissions/${s2.body.id}/review`, { decision: 'APPROVED', feedback: 'Ship it.' });
    await dying.sent;
    await dying.crash();
    // Settled before any email: the unlock email may have gone out beside the feedback one.
    expect(postmark.messages.slice(before).filter((m) => m.Tag === 'feedback-available')).toHaveLength(1);

    await stack.startWorker();
    const answered = await reviewRequest;
    expect([200, 202]).toContain(answered.status);
    const result = await stack.client.workflow.getHandle(`review:${s2.body.id}`).result();
    expect(result).toMatchObject({ approved: true, projectCompleted: true, unlockedProjectId: second!.id });

    const progress = (await as.get('/api/progress')).body.projects;
    expect(progress.find((p: any) => p.projectId === first!.id).status).toBe('COMPLETED');
    expect(progress.find((p: any) => p.projectId === second!.id).status).toBe('UNLOCKED');
    const feedback = postmark.messages.filter((m) => m.Tag === 'feedback-available' && m.To === student.user.email);
    expect(feedback).toHaveLength(2); // one per review, none repeated by the crash
    expect(postmark.messages.filter((m) => m.Tag === 'project-unlocked' && m.To === student.user.email)).toHaveLength(
      1,
    );
    expect(await emailCounts(stack.knex, student.user.id)).toEqual({
      'submission-received': 2,
      'feedback-available': 2,
      'project-unlocked': 1,
    });
    const crashed = await stack
      .knex('email_messages')
      .where({ idempotencyKey: `review:${s2.body.id}:feedback` })
      .first();
    expect(crashed).toMatchObject({ status: 'SENT', provider: 'postmark' });
  }, 120_000);
});

describe('the review API waits briefly for its workflow (convention 11)', () => {
  async function submitted() {
    const student = await createTestUser(stack.knex);
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
    const [first] = await trackOutline(stack.knex, 'DP');
    const as = stack.http.as(student.token);
    expect((await as.post(`/api/projects/${first!.id}/start`)).status).toBe(200);
    const res = await as.post(`/api/projects/${first!.id}/submissions`, {
      deliverableId: first!.steps[0]!.deliverables[0]!.id,
      repoUrl: 'https://github.com/ada-l/wait',
    });
    expect(res.status).toBe(201);
    return { student, trainer, submissionId: res.body.id as string };
  }

  it('answers 202 with the workflow id while follow-ups run; the same review repeated lands on that workflow, another is a conflict', async () => {
    const { student, trainer, submissionId } = await submitted();
    const review = (token: string, body = { decision: 'APPROVED', feedback: 'Good.' }) =>
      stack.http.as(token).post(`/api/submissions/${submissionId}/review`, body);
    await stack.stopWorker();
    let pending;
    try {
      pending = await review(trainer.token);
    } finally {
      await stack.startWorker();
    }
    expect(pending.status).toBe(202);
    expect(pending.body).toEqual({ workflowId: `review:${submissionId}`, status: 'RUNNING' });
    expect(await stack.knex('submissions').where({ id: submissionId }).first()).toMatchObject({
      status: 'APPROVED',
      reviewerId: trainer.user.id,
    });

    const repeated = await review(trainer.token);
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({
      submission: { id: submissionId, status: 'APPROVED', feedback: 'Good.' },
      outcome: { approved: true, projectCompleted: false },
    });
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    expect((await review(trainer.token, { decision: 'CHANGES_REQUESTED', feedback: 'Good.' })).status).toBe(409);
    expect((await review(trainer.token, { decision: 'APPROVED', feedback: 'Better.' })).status).toBe(409);
    expect((await review(admin.token)).status).toBe(409);
    await reviewWorkflowsFinished(stack, student.user.id);
    expect(await emailCounts(stack.knex, student.user.id)).toEqual({
      'submission-received': 1,
      'feedback-available': 1,
    });
  }, 60_000);

  it('answers 200 with the outcome when the emails fail for good (recipient erased): the settlement stands', async () => {
    const { student, trainer, submissionId } = await submitted();
    // Erased between submission and review: the feedback email has no recipient left.
    await stack.knex('users').where({ id: student.user.id }).update({ anonymized: true });
    const res = await stack.http
      .as(trainer.token)
      .post(`/api/submissions/${submissionId}/review`, { decision: 'APPROVED', feedback: 'Good.' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      submission: { id: submissionId, status: 'APPROVED' },
      outcome: { approved: true, projectCompleted: false, unlockedProjectId: null },
    });
    expect((await stack.knex('submissions').where({ id: submissionId }).first()).status).toBe('APPROVED');
    // The workflow completes; the email it could not send is not there.
    expect(await stack.client.workflow.getHandle(`review:${submissionId}`).result()).toMatchObject({ approved: true });
    expect(await stack.knex('email_messages').where({ idempotencyKey: `review:${submissionId}:feedback` })).toEqual([]);
  }, 60_000);
});
