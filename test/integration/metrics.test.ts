import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '@temporalio/worker';
import { createApiMetrics, startMetricsServer } from '../../api/http/metrics';
import { createLogger, temporalLogger } from '../../lib/logger';
import { WORKFLOWS_STARTED_METRIC } from '../../workflows/interceptors';
import {
  addTrainer,
  checkout,
  emailsTo,
  pay,
  startPaymentsStack,
  waitFor,
  waitForEnrollment,
  type PaymentsStack,
} from '../helpers/payments';
import { freePort } from '../helpers/ports';
import { startStack, type TestStack } from '../helpers/stack';
import { signUpOverHttp } from '../helpers/accounts';
import type { TestUser } from '../helpers/users';

const TOKEN = 'metrics-token-for-tests-0123456789';
let withToken: TestStack;
let withoutToken: TestStack;
let journey: PaymentsStack;
let workerMetricsUrl: string;

beforeAll(async () => {
  // This file's own process: its workers export the SDK's and Cohort's metrics as WORKER_METRICS_PORT does.
  const port = await freePort();
  Runtime.install({
    logger: temporalLogger(createLogger('warn')),
    telemetryOptions: { logging: { forward: {} }, metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
  });
  workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  [withToken, withoutToken, journey] = await Promise.all([
    startStack({ worker: false, env: { METRICS_TOKEN: TOKEN, STRIPE_WEBHOOK_SECRET: 'whsec_metrics_test' } }),
    startStack({ worker: false }),
    startPaymentsStack({ env: { METRICS_TOKEN: TOKEN } }),
  ]);
});
afterAll(async () => {
  await Promise.all([withToken?.close(), withoutToken?.close(), journey?.close()]);
});

/** The value of the first sample of `name` whose labels include every one of `labels`, else 0. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match || (match[1] !== name && match[1] !== `${name}_total`)) continue;
    if (Object.entries(labels).every(([k, v]) => match[2]!.includes(`${k}="${v}"`))) return Number(match[3]);
  }
  return 0;
}

describe('GET /metrics on the API port', () => {
  it('serves Prometheus text with request durations by route pattern and process metrics', async () => {
    await withToken.http.get('/api/tracks');
    await withToken.http.get('/api/tracks/DP');
    const res = await withToken.http.get('/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/tracks"[^}]*\} [1-9]/);
    expect(res.text).toMatch(/route="\/api\/tracks\/:code"/);
    // Route patterns, never raw URLs: no label carries the track code a client sent.
    expect(res.text).not.toMatch(/route="\/api\/tracks\/DP"/);
    expect(res.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(res.text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('counts Stripe webhook deliveries by event type and outcome', async () => {
    const refused = await withToken.http.post('/api/payments/webhook', { id: 'evt_x', type: 'charge.refunded' });
    expect(refused.status).toBe(400);
    const res = await withToken.http.get('/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(res.text).toMatch(/^cohort_webhook_events_total\{type="other",outcome="rejected"\} 1$/m);
  });

  it('answers 401 problem+json without the token or with a wrong one', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await withToken.http.get('/metrics', authorization ? { authorization } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('unauthenticated');
      expect(res.text).not.toContain('process_cpu');
    }
  });

  it('does not exist on the API port when no metrics token is configured', async () => {
    const res = await withoutToken.http.get('/metrics', { authorization: 'Bearer anything' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });
});

describe('the METRICS_PORT listener', () => {
  let server: Server;
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('serves /metrics without a token, and nothing else', async () => {
    const metrics = createApiMetrics();
    server = await startMetricsServer(metrics, 0, '127.0.0.1');
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^process_resident_memory_bytes \d/m);
    expect((await fetch(`http://127.0.0.1:${port}/api/tracks`)).status).toBe(404);
  });
});

describe("metrics after a student's journey (checkout → Stripe webhook → enrolled → welcome email)", () => {
  it("answers ops' four questions: emails, activity failures, workflows started and completed, webhook events", async () => {
    await addTrainer(journey, ['DP']);
    // Sign-up sends the verify-email through the account-email workflow, which completes.
    const student = await signUpOverHttp(journey.stack.http);
    const { checkoutUrl } = await checkout(journey, student as TestUser);
    // Stripe answers 500 to the saga's verification twice: two failed attempts of that activity, then it goes on.
    journey.standin.controls.failNextApiCalls(2);
    await pay(checkoutUrl);
    await waitForEnrollment(journey, student.user.id);
    await waitFor('the welcome email', async () => {
      const [row] = await emailsTo(journey, student.user.id, 'welcome');
      return row?.status === 'SENT' || row?.status === 'STORED' ? row : undefined;
    });

    const api = await journey.stack.http.get('/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(api.status).toBe(200);
    expect(
      sample(api.text, 'cohort_webhook_events_total', { type: 'checkout.session.completed', outcome: 'routed' }),
    ).toBeGreaterThanOrEqual(1);

    // Workflow metrics leave the worker just after their activation: poll until all are there.
    const queue = journey.stack.taskQueues.default;
    const expected: Array<[string, Record<string, string>]> = [
      ['cohort_emails', { taskQueue: queue, template: 'welcome', outcome: 'stored' }],
      [WORKFLOWS_STARTED_METRIC, { taskQueue: queue, workflowType: 'onboarding' }],
      [WORKFLOWS_STARTED_METRIC, { taskQueue: queue, workflowType: 'accountEmail' }],
      ['temporal_workflow_completed', { task_queue: queue, workflow_type: 'accountEmail' }],
      ['temporal_activity_execution_failed', { task_queue: queue, activity_type: 'verifyCheckoutSession' }],
      ['temporal_workflow_task_execution_latency_count', { task_queue: queue, workflow_type: 'onboarding' }],
    ];
    const text = await waitFor('the worker metrics', async () => {
      const body = await (await fetch(workerMetricsUrl)).text();
      return expected.every(([name, labels]) => sample(body, name, labels) > 0) ? body : undefined;
    });
    for (const [name, labels] of expected) expect(sample(text, name, labels), name).toBeGreaterThan(0);
    expect(sample(text, 'temporal_activity_execution_failed', { activity_type: 'verifyCheckoutSession' })).toBe(2);
    // Failed runs by type are temporal_workflow_failed{workflow_type} beside it, counted from a run's first
    // failure (none here: Cohort's sagas unwind and complete rather than fail).
  });
});
