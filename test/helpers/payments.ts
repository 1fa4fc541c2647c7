import { expect } from 'vitest';
import type { StripeStandin } from '../../scripts/stripe-standin/index';
import { onboardingStartOptions } from '../../api/workflows/onboarding';
import type { TrackCode } from '../../lib/domain/tracks';
import { startFakeSlack, type FakeSlack } from '../fakes/slack';
import { startStack, type StackOptions, type TestStack } from './stack';
import { createTestUser, type TestUser } from './users';

export interface PaymentsStack {
  stack: TestStack;
  standin: StripeStandin;
  slack: FakeSlack;
  webhookSecret: string;
  close(): Promise<void>;
}

/** A test stack wired to the Stripe stand-in (through the real `stripe` client) and a fake Slack. */
export async function startPaymentsStack(options: StackOptions = {}): Promise<PaymentsStack> {
  const slack = await startFakeSlack();
  const stack = await startStack({
    ...options,
    stripe: true,
    adminAlerts: { email: 'ops@cohort.test', slackWebhookUrl: slack.url },
  });
  return {
    stack,
    standin: stack.standin!,
    slack,
    webhookSecret: stack.config.STRIPE_WEBHOOK_SECRET!,
    async close() {
      await stack.close();
      await slack.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export async function checkout(p: PaymentsStack, student: TestUser, track = 'DP') {
  const res = await p.stack.http.as(student.token).post('/api/payments/checkout', { track });
  expect(res.status, res.text).toBe(201);
  return res.body as { checkoutUrl: string; sessionId: string; workflowId: string };
}

/** Pays as the buyer would: a POST to the checkout URL. */
export async function pay(checkoutUrl: string, options: { async?: boolean } = {}) {
  const res = await fetch(`${checkoutUrl}${options.async ? '?async=1' : ''}`, { method: 'POST' });
  expect(res.status).toBe(200);
  return (await res.json()) as { paid: boolean; sessionId: string; eventId: string };
}

export async function enrollmentOf(p: PaymentsStack, userId: string, track = 'DP') {
  return p.stack.knex('enrollments').where({ userId, trackCode: track }).first();
}

export async function waitForEnrollment(
  p: PaymentsStack,
  userId: string,
  status = 'ENROLLED',
  track = 'DP',
  timeoutMs = 30_000,
) {
  return waitFor(
    `enrollment ${status}`,
    async () => {
      const row = await enrollmentOf(p, userId, track);
      return row?.status === status ? row : undefined;
    },
    timeoutMs,
  );
}

export async function addTrainer(p: PaymentsStack, tracks: string[], maxStudents = 20) {
  const { user } = await createTestUser(p.stack.knex, { role: 'trainer' });
  const [trainer] = await p.stack.knex('trainers').insert({ userId: user.id, tracks, maxStudents }).returning('*');
  return trainer as { id: string };
}

/** Emails of one template to one user, from the outbox. */
export async function emailsTo(p: PaymentsStack, userId: string, template: string) {
  return p.stack.knex('email_messages').where({ userId, template });
}

/**
 * Starts the student's onboarding saga with a checkout window of `ms` (CHECKOUT_EXPIRY
 * allows no less than 30 minutes); the checkout request then joins it (USE_EXISTING).
 */
export async function startOnboardingExpiringIn(p: PaymentsStack, userId: string, ms: number, track: TrackCode = 'DP') {
  const deps = { config: p.stack.config, temporal: p.stack.client, taskQueues: p.stack.taskQueues };
  const options = onboardingStartOptions(deps, userId, track);
  return p.stack.client.workflow.start('onboarding', {
    ...options,
    args: [{ ...options.args[0], checkoutExpiryMs: ms }],
  });
}
