import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index';
import type { AdminAlert } from '../../activities/alerts';
import { createOutboxSender } from '../../lib/adapters/email/index';
import { createSlackAlerts } from '../../lib/adapters/slack';
import { createStripeClient } from '../../lib/adapters/stripe';
import { createLogger } from '../../lib/logger';
import { startStripeStandin, type StripeStandin } from '../../scripts/stripe-standin/index';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { testConfig } from '../helpers/stack';
import { createTestUser } from '../helpers/users';
import { createBlobStore } from '../../lib/adapters/blob-store/index';

const quiet = new DefaultLogger('ERROR');
let db: TestDatabase;
let standin: StripeStandin;
const logLines: string[] = [];
let deps: ActivityDeps;
const outbox = mkdtempSync(join(tmpdir(), 'cohort-outbox-'));

beforeAll(async () => {
  db = await createTestDatabase();
  standin = await startStripeStandin({
    webhookUrl: 'http://127.0.0.1:9/unset',
    webhookSecret: 'whsec_test_activities',
  });
  // No SLACK_WEBHOOK_URL: alerts go to the log, and to ADMIN_EMAIL.
  const config = testConfig(db, {
    STRIPE_SECRET_KEY: 'sk_test_cohort',
    STRIPE_API_BASE: standin.url,
    ADMIN_EMAIL: 'ops@cohort.test',
  });
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  deps = {
    config,
    knex: db.knex,
    blobs: createBlobStore(config),
    stripe: createStripeClient(config),
    alerts: createSlackAlerts({ logger }),
    email: createOutboxSender(db.knex, { dir: outbox }),
  };
});
afterAll(async () => {
  await standin?.close();
  await db?.drop();
  rmSync(outbox, { recursive: true, force: true });
});

const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment(undefined, { logger: quiet }).run(fn, ...args);

describe('onboarding activities against real peers', () => {
  it('opens checkout with the track price, user and track metadata, client_reference_id and the idempotency key', async () => {
    const { openCheckout } = createActivities(deps);
    const { user } = await createTestUser(db.knex);
    const key = `onboarding:${user.id}:DP:run-1:checkout:1`;
    const first = await run(openCheckout, { userId: user.id, track: 'DP', idempotencyKey: key });
    // A retried attempt (same key) gets Stripe's first answer: the same session, not a second one.
    const retried = await run(openCheckout, { userId: user.id, track: 'DP', idempotencyKey: key });
    expect(retried).toEqual(first);
    expect(standin.controls.sessions().filter((s) => s.client_reference_id === user.id)).toHaveLength(1);

    const session = standin.controls.session(first.sessionId)!;
    const track = await db.knex('tracks').where({ code: 'DP' }).first();
    expect(session).toMatchObject({
      client_reference_id: user.id,
      metadata: { userId: user.id, track: 'DP' },
      amount_total: track.priceCents,
      currency: track.currency,
    });
    expect(await db.knex('enrollments').where({ userId: user.id })).toMatchObject([
      { status: 'PENDING_PAYMENT', checkoutSessionId: first.sessionId },
    ]);

    // A new attempt key (a checkout reopened after a failed payment) is a new session.
    const next = await run(openCheckout, { userId: user.id, track: 'DP', idempotencyKey: `${key}-2` });
    expect(next.sessionId).not.toBe(first.sessionId);
  });

  it('sends admin alerts to the log and the admin email when no Slack webhook is configured, once per key', async () => {
    const { alertAdmins } = createActivities(deps);
    const alert: AdminAlert = {
      kind: 'no-trainer-capacity',
      idempotencyKey: `onboarding:test:${randomUUID()}:alert:1`,
      userId: randomUUID(),
      track: 'DP',
      refs: { enrollment: randomUUID() },
    };
    await run(alertAdmins, alert);
    await run(alertAdmins, alert); // a retried activity
    const logged = logLines.filter((l) => l.includes('no Slack webhook configured') && l.includes(alert.userId!));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged[0]).toContain('every trainer of the track is full');
    const emails = await db.knex('email_messages').where({ idempotencyKey: alert.idempotencyKey });
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ template: 'admin-alert', toAddress: 'ops@cohort.test' });
    expect(emails[0].textBody).toContain(alert.refs!.enrollment);
  });
});
