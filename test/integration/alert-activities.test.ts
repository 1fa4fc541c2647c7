import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index';
import type { AdminAlert } from '../../activities/alerts';
import { createOutboxSender } from '../../lib/adapters/email/index';
import { outboxDir } from '../../scripts/lib/outbox';
import { createSlackAlerts } from '../../lib/adapters/slack';
import { createLogger } from '../../lib/logger';
import { startFakeSlack, type FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { testConfig } from '../helpers/stack';
import { createBlobStore } from '../../lib/adapters/blob-store/index';

const quiet = new DefaultLogger('ERROR');
let db: TestDatabase;
let slack: FakeSlack;
let deps: ActivityDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await startFakeSlack();
  const config = testConfig(db, { ADMIN_EMAIL: 'ops@cohort.test', SLACK_WEBHOOK_URL: slack.url });
  deps = {
    config,
    knex: db.knex,
    blobs: createBlobStore(config),
    alerts: createSlackAlerts({ webhookUrl: slack.url, logger: createLogger('silent'), timeoutMs: 2_000 }),
    email: createOutboxSender(db.knex, { dir: outboxDir(config.DATA_DIR) }),
  };
});
afterAll(async () => {
  await slack?.close();
  await db?.drop();
});
beforeEach(() => {
  slack.answerAlways(undefined);
  slack.failNext(0);
});

const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment(undefined, { logger: quiet }).run(fn, ...args);

const anAlert = (): AdminAlert => ({
  kind: 'student-enrolled',
  idempotencyKey: `onboarding:test:${randomUUID()}:alert:1`,
  userId: randomUUID(),
  track: 'DP',
  refs: { enrollment: randomUUID() },
});
const postsOf = (alert: AdminAlert) => slack.messages.filter((m) => m.includes(alert.userId!));

describe('postSlackAlert', () => {
  it('posts once per idempotency key: a retry after Slack answered finds the post recorded', async () => {
    const { postSlackAlert } = createActivities(deps);
    const alert = anAlert();
    expect(await run(postSlackAlert, alert)).toEqual({ status: 'POSTED' });
    // The attempt's result was lost (worker crash after the post): Temporal runs it again.
    expect(await run(postSlackAlert, alert)).toEqual({ status: 'ALREADY_POSTED' });
    expect(postsOf(alert)).toHaveLength(1);
    expect(postsOf(alert)[0]).toContain('A student enrolled');
    expect(await db.knex('slackPosts').where({ idempotencyKey: alert.idempotencyKey }).first()).toMatchObject({
      status: 'POSTED',
      attempts: 1,
      kind: 'student-enrolled',
    });
  });

  it('fails for good on a 4xx (revoked webhook), recorded, and never posts that alert again', async () => {
    const { postSlackAlert } = createActivities(deps);
    const alert = anAlert();
    slack.answerAlways(404);
    const error = await run(postSlackAlert, alert).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'SlackRejected', nonRetryable: true });
    slack.answerAlways(undefined);
    const before = slack.requests();
    await expect(run(postSlackAlert, alert)).rejects.toMatchObject({ type: 'SlackRejected', nonRetryable: true });
    expect(slack.requests()).toBe(before);
    expect(await db.knex('slackPosts').where({ idempotencyKey: alert.idempotencyKey }).first()).toMatchObject({
      status: 'REJECTED',
    });
  });

  it('throws a retryable error on a 5xx and posts on the next attempt', async () => {
    const { postSlackAlert } = createActivities(deps);
    const alert = anAlert();
    slack.failNext(1);
    const error = await run(postSlackAlert, alert).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(await run(postSlackAlert, alert)).toEqual({ status: 'POSTED' });
    expect(postsOf(alert)).toHaveLength(1);
    expect(await db.knex('slackPosts').where({ idempotencyKey: alert.idempotencyKey }).first()).toMatchObject({
      status: 'POSTED',
      attempts: 2,
    });
  });

  it('does not post again while an earlier attempt (timed out for Temporal) still waits for Slack', async () => {
    const { postSlackAlert } = createActivities(deps);
    const alert = anAlert();
    slack.delayNext(1, 1_000); // Slack takes the post and answers 200 a second later
    const first = run(postSlackAlert, alert);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The retry Temporal starts after the first attempt's timeout: the claim is still held.
    await expect(run(postSlackAlert, alert)).rejects.toThrow(/still waiting for Slack/);
    expect(await first).toEqual({ status: 'POSTED' });
    expect(await run(postSlackAlert, alert)).toEqual({ status: 'ALREADY_POSTED' });
    expect(postsOf(alert)).toHaveLength(1);
  });
});

describe('postSlackAlert claim', () => {
  it("outlasts the attempt's startToClose timeout, so the retry Temporal starts then cannot post beside it", async () => {
    const { postSlackAlert } = createActivities(deps);
    const alert = anAlert();
    slack.delayNext(1, 1_000);
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000 }, { logger: quiet });
    const first = env.run(postSlackAlert, alert);
    const claimed = await vi.waitFor(
      async () => {
        const row = await db.knex('slackPosts').where({ idempotencyKey: alert.idempotencyKey }).first();
        if (!row?.claimedUntil) throw new Error('not claimed yet');
        return row as { claimedUntil: Date; updatedAt: Date };
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(claimed.claimedUntil.getTime() - claimed.updatedAt.getTime()).toBeGreaterThanOrEqual(30_000);
    expect(await first).toEqual({ status: 'POSTED' });
    expect(postsOf(alert)).toHaveLength(1);
  });
});

describe('emailAdminAlert', () => {
  it('emails ADMIN_EMAIL once per idempotency key, separately from Slack', async () => {
    const { emailAdminAlert } = createActivities(deps);
    const alert = anAlert();
    slack.answerAlways(404); // Slack down changes nothing for the email
    expect(await run(emailAdminAlert, alert)).toEqual({ status: 'STORED' });
    expect(await run(emailAdminAlert, alert)).toEqual({ status: 'STORED' });
    const emails = await db.knex('email_messages').where({ idempotencyKey: alert.idempotencyKey });
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ template: 'admin-alert', toAddress: 'ops@cohort.test' });
    expect(emails[0].textBody).toContain(alert.refs!.enrollment);
    expect(postsOf(alert)).toHaveLength(0);
  });

  it('skips (no failure) when there is no admin recipient at all', async () => {
    const { emailAdminAlert } = createActivities({
      ...deps,
      config: { ...deps.config, ADMIN_EMAIL: undefined },
    });
    const alert = anAlert();
    expect(await run(emailAdminAlert, alert)).toEqual({ status: 'NO_RECIPIENT' });
    expect(await db.knex('email_messages').where({ idempotencyKey: alert.idempotencyKey })).toHaveLength(0);
  });
});
