import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type CohortActivities } from '../../activities/index';
import type { AdminAlert } from '../../activities/alerts';
import { createOutboxSender } from '../../lib/adapters/email/index';
import { outboxDir } from '../../scripts/lib/outbox';
import { createSlackAlerts } from '../../lib/adapters/slack';
import { createLogger } from '../../lib/logger';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { onboarding, paymentNotified, type OnboardingInput } from '../../workflows/onboarding';
import { startFakeSlack, type FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freePort } from '../helpers/ports';
import { testConfig } from '../helpers/stack';
import { createTestUser } from '../helpers/users';
import { createBlobStore } from '../../lib/adapters/blob-store/index';

/**
 * The onboarding saga with the real alert and email activities (Slack fake, outbox in a real
 * database) and fake payment and enrollment steps, on the time-skipping test server: a Slack
 * that refuses or is down for good neither blocks the saga nor repeats a post.
 */
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let slack: FakeSlack;
let real: CohortActivities;
let metricsUrl: string;

beforeAll(async () => {
  // This file's own process: the worker exports its metrics (as WORKER_METRICS_PORT does) to check the count.
  const port = await freePort();
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
  });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  env = await createTimeSkippingEnv();
  db = await createTestDatabase();
  slack = await startFakeSlack();
  const config = testConfig(db, { ADMIN_EMAIL: 'ops@cohort.test', SLACK_WEBHOOK_URL: slack.url });
  real = createActivities({
    config,
    knex: db.knex,
    blobs: createBlobStore(config),
    alerts: createSlackAlerts({ webhookUrl: slack.url, logger: createLogger('silent') }),
    email: createOutboxSender(db.knex, { dir: outboxDir(config.DATA_DIR) }),
  });
});
afterAll(async () => {
  await env?.teardown();
  await slack?.close();
  await db?.drop();
});
beforeEach(() => {
  slack.answerAlways(undefined);
});

const DAY = 86_400_000;

/** Payment and enrollment faked; Slack, the admin email and the welcome email real. */
function activities(overrides: Partial<CohortActivities> = {}): Partial<CohortActivities> {
  return {
    loadEnrollment: async () => null,
    verifyCheckoutSession: async () => ({
      outcome: 'paid',
      amountCents: 100,
      currency: 'eur',
      paymentIntentId: 'pi_1',
    }),
    recordPayment: async () => ({ paymentId: 'payment-1', trackName: 'Data Professional' }),
    enrollStudent: async () => ({
      enrollmentId: 'enrollment-1',
      status: 'ENROLLED',
      trainerId: null,
      paymentVerified: true,
      trackName: 'Data Professional',
      mustSetPassword: false,
    }),
    assignTrainer: async () => ({ trainerId: 'trainer-1' }),
    unlockFirstProject: async () => ({ projectId: 'p1', projectTitle: 'SQL Foundations', newlyUnlocked: true }),
    postSlackAlert: real.postSlackAlert,
    emailAdminAlert: real.emailAdminAlert,
    sendEmail: real.sendEmail,
    ...overrides,
  };
}

/** Pays, then lets the saga run to its end (the 120-day dispute watch is skipped). */
async function onboard(taskQueue: string, acts: Partial<CohortActivities>) {
  const { user } = await createTestUser(db.knex);
  const workflowId = `onboarding:${user.id}:DP`;
  const input: OnboardingInput = { userId: user.id, track: 'DP', checkoutExpiryMs: DAY, trainerRetryMs: 60_000 };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities: acts,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(onboarding, { workflowId, taskQueue, args: [input] });
    await handle.signal(paymentNotified, { sessionId: 'cs_1', eventId: 'evt_1' });
    return handle.result();
  });
  const emails = await db.knex('email_messages').where('idempotencyKey', 'like', `${workflowId}:%`);
  const enrolledAlert = slack.messages.filter((m) => m.includes('A student enrolled') && m.includes(user.id));
  return { user, result, emails, enrolledAlert };
}

async function failuresCounted(notification: string, taskQueue: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('cohort_notification_failures{') &&
        l.includes(`notification="${notification}"`) &&
        l.includes(`taskQueue="${taskQueue}"`),
    );
  return line ? Number(line.trim().split(/\s+/).at(-1)) : 0;
}

/** The count once it reaches `atLeast` (workflow metrics leave the worker just after the activation). */
async function failuresReaching(notification: string, taskQueue: string, atLeast = 1): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const n = await failuresCounted(notification, taskQueue);
    if (n >= atLeast) return n;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return failuresCounted(notification, taskQueue);
}

describe('onboarding notifications (time skipping)', () => {
  it('Slack answering 404 (revoked webhook): no retry; the saga ends ENROLLED with the welcome and admin emails sent', async () => {
    slack.answerAlways(404);
    const before = slack.requests();
    const { result, emails } = await onboard('notify-404', activities());
    expect(result).toMatchObject({ phase: 'ENROLLED', enrollmentId: 'enrollment-1', trainerId: 'trainer-1' });
    expect(slack.requests() - before).toBe(1); // the one 'student enrolled' alert, tried once
    expect(emails.map((e) => e.template).sort()).toEqual(['admin-alert', 'welcome']);
    expect(emails.find((e) => e.template === 'welcome')).toMatchObject({ status: 'STORED' });
    expect(await failuresReaching('slack-alert:student-enrolled', 'notify-404')).toBe(1);
  });

  it('Slack answering 500 for good: bounded retries, then the saga goes on', async () => {
    slack.answerAlways(500);
    const before = slack.requests();
    const { result, emails, enrolledAlert } = await onboard('notify-500', activities());
    expect(result.phase).toBe('ENROLLED');
    expect(slack.requests() - before).toBe(10); // the slackAlert preset's maximumAttempts
    expect(enrolledAlert).toHaveLength(0);
    expect(emails.map((e) => e.template).sort()).toEqual(['admin-alert', 'welcome']);
    expect(await failuresReaching('slack-alert:student-enrolled', 'notify-500')).toBe(1);
  });

  it('Slack answering 200 to an attempt whose completion was lost: the retry does not post again', async () => {
    let attempts = 0;
    const postSlackAlert = async (alert: AdminAlert) => {
      const posted = await real.postSlackAlert(alert);
      if (++attempts === 1) throw new Error('the worker lost the answer'); // after Slack took the post
      return posted;
    };
    const { result, enrolledAlert } = await onboard('notify-lost-answer', activities({ postSlackAlert }));
    expect(result.phase).toBe('ENROLLED');
    expect(attempts).toBe(2);
    expect(enrolledAlert).toHaveLength(1);
  });

  it('a welcome email refused for good (recipient erased) neither fails nor unwinds the enrollment', async () => {
    const refundPayment = async () => {
      throw new Error('no refund expected');
    };
    const sendEmail: CohortActivities['sendEmail'] = async (input) => {
      if (input.template === 'welcome') {
        throw ApplicationFailure.nonRetryable(
          'The email recipient does not exist (or was erased).',
          'EmailRecipientNotFound',
        );
      }
      return real.sendEmail(input);
    };
    const { result, enrolledAlert } = await onboard('notify-erased', activities({ sendEmail, refundPayment }));
    expect(result).toMatchObject({ phase: 'ENROLLED', paymentId: 'payment-1' });
    expect(enrolledAlert).toHaveLength(1);
    expect(await failuresReaching('welcome-email', 'notify-erased')).toBe(1);
  });
});
