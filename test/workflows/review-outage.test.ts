import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index';
import { createEmailSender } from '../../lib/adapters/email/index';
import { createSlackAlerts } from '../../lib/adapters/slack';
import { createLogger } from '../../lib/logger';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { review, reviewSettledUpdate } from '../../workflows/review';
import { startFakePostmark, type FakePostmark } from '../fakes/postmark';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { installQuietRuntime } from '../../scripts/lib/local-stack';
import { testConfig } from '../helpers/stack';
import { createTestUser } from '../helpers/users';
import { createBlobStore } from '../../lib/adapters/blob-store/index';

/**
 * The review workflow with its real activities (PostgreSQL, Postmark's API on a loopback
 * fake) on the time-skipping test server: the settlement is committed before any email,
 * and an email that cannot be sent (Postmark down for hours, recipient erased) never
 * undoes it or keeps the workflow from completing.
 */
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let postmark: FakePostmark;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  // Forty failed Postmark attempts are the point here, not news: the worker logs errors only.
  installQuietRuntime('ERROR');
  env = await createTimeSkippingEnv();
  db = await createTestDatabase();
  postmark = await startFakePostmark();
  const config = testConfig(db, { POSTMARK_SERVER_TOKEN: postmark.token, POSTMARK_API_BASE: postmark.baseUrl });
  const logger = createLogger('silent');
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'review-outage',
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({
      config,
      knex: db.knex,
      blobs: createBlobStore(config),
      alerts: createSlackAlerts({ logger }),
      email: createEmailSender(config, db.knex),
    }),
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await postmark?.close();
  await db?.drop();
});

/** A DP student whose project 1 has every deliverable approved; returns the last review's submission. */
async function approvedProject() {
  const student = await createTestUser(db.knex);
  const trainer = await createTestUser(db.knex, { role: 'trainer' });
  await enrollStudent(db.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
  const [first, second] = (await trackOutline(db.knex, 'DP')).filter((p) => p.required);
  let last = '';
  for (const deliverable of first!.steps.flatMap((s) => s.deliverables)) {
    [{ id: last }] = await db
      .knex('submissions')
      .insert({
        userId: student.user.id,
        projectId: first!.id,
        deliverableId: deliverable.id,
        repoUrl: `https://github.com/ada/${randomUUID()}`,
        status: 'APPROVED',
        feedback: 'Good.',
        reviewerId: trainer.user.id,
        reviewedAt: new Date(),
      })
      .returning('id');
  }
  return { student, first: first!, second: second!, submissionId: last };
}

const progressOf = async (userId: string, projectId: string) =>
  (await db.knex('studentProgress').where({ userId, projectId }).first())?.status;

describe('review settlement under email failures (time skipping)', () => {
  it('settles while Postmark answers 5xx for two hours, and the workflow completes with its outcome', async () => {
    const { student, first, second, submissionId } = await approvedProject();
    postmark.failAlways('server-error');
    const before = postmark.requests;
    try {
      const handle = await env.client.workflow.start(review, {
        args: [{ submissionId }],
        taskQueue: 'review-outage',
        workflowId: `review:${submissionId}`,
      });
      const settled = await handle.executeUpdate(reviewSettledUpdate);
      expect(settled).toEqual({
        submissionId,
        approved: true,
        projectCompleted: true,
        unlockedProjectId: second.id,
        certificationWorkflowId: null,
      });
      // Committed before any email went out.
      expect(await progressOf(student.user.id, first.id)).toBe('COMPLETED');
      expect(await progressOf(student.user.id, second.id)).toBe('UNLOCKED');

      await env.sleep('2 hours');
      postmark.failAlways(undefined);
      expect(await handle.result()).toEqual(settled);
    } finally {
      postmark.failAlways(undefined);
    }
    // Each email was retried within its bound (the email preset: 20 attempts), then given up.
    const emails = await db.knex('email_messages').where({ userId: student.user.id }).orderBy('template');
    expect(emails.map((e) => [e.template, e.status, e.attempts])).toEqual([
      ['feedback-available', 'QUEUED', 20],
      ['project-unlocked', 'QUEUED', 20],
    ]);
    expect(postmark.requests - before).toBe(40);
    expect(postmark.messages.filter((m) => m.To === student.user.email)).toHaveLength(0);
    expect(await progressOf(student.user.id, first.id)).toBe('COMPLETED');
    expect(await progressOf(student.user.id, second.id)).toBe('UNLOCKED');
  });

  it('settles when the student was erased (EmailRecipientNotFound): the settlement stands', async () => {
    const { student, first, second, submissionId } = await approvedProject();
    await db.knex('users').where({ id: student.user.id }).update({ anonymized: true });
    const result = await env.client.workflow.execute(review, {
      args: [{ submissionId }],
      taskQueue: 'review-outage',
      workflowId: `review:${submissionId}`,
    });
    expect(result).toMatchObject({ projectCompleted: true, unlockedProjectId: second.id });
    expect(await progressOf(student.user.id, first.id)).toBe('COMPLETED');
    expect(await progressOf(student.user.id, second.id)).toBe('UNLOCKED');
    expect(await db.knex('email_messages').where({ userId: student.user.id })).toHaveLength(0);
  });
});
