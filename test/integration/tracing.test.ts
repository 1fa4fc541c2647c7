import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracing, type Tracing } from '../../lib/tracing';
import {
  addTrainer,
  checkout,
  pay,
  startPaymentsStack,
  waitFor,
  waitForEnrollment,
  type PaymentsStack,
} from '../helpers/payments';
import { createTestUser } from '../helpers/users';

// This file's own process: the global tracer provider ends every span in memory.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let p: PaymentsStack;

beforeAll(async () => {
  tracing = createTracing({ serviceName: 'cohort-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  p = await startPaymentsStack({ tracing });
});
afterAll(async () => {
  await p?.close();
  await tracing?.shutdown();
});

/** The span and its ancestors, up to the root of its trace. */
function lineage(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain = [span];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? ''))
    chain.push(parent);
  return chain;
}

describe('OpenTelemetry tracing', () => {
  it('follows the Stripe webhook through the onboarding workflow to the welcome email activity, in one trace', async () => {
    await addTrainer(p, ['DP']);
    const student = await createTestUser(p.stack.knex);
    const { checkoutUrl } = await checkout(p, student);
    await pay(checkoutUrl);
    await waitForEnrollment(p, student.user.id);

    // Workflow spans reach the exporter after their activation: wait for the whole chain.
    const chain = await waitFor('the welcome email activity span and its ancestors', async () => {
      const spans = exporter.getFinishedSpans();
      const welcome = spans.find(
        (s) => s.name === 'RunActivity:sendEmail' && s.attributes['cohort.email.template'] === 'welcome',
      );
      const found = welcome && lineage(welcome, spans);
      return found?.at(-1)?.parentSpanId === undefined ? found : undefined;
    });
    const spans = exporter.getFinishedSpans();
    const root = chain.at(-1)!;
    // One trace, rooted at the webhook request's server span.
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.name).toBe('POST /api/payments/webhook');
    expect(root.attributes['http.route']).toBe('/api/payments/webhook');
    expect(root.attributes['http.response.status_code']).toBe(200);
    expect(root.parentSpanId).toBeUndefined();
    for (const span of chain) expect(span.spanContext().traceId).toBe(root.spanContext().traceId);
    // API → client span → the workflow's signal handler → the activity scheduled → run on the worker.
    expect(chain.map((s) => s.name).reverse()).toEqual([
      'POST /api/payments/webhook',
      'SignalWithStartWorkflow:onboarding',
      'HandleSignal:paymentNotified',
      'StartActivity:sendEmail',
      'RunActivity:sendEmail',
    ]);
    // The enrollment's other steps are in the same trace; the checkout request has a trace of its own.
    const inTrace = spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId).map((s) => s.name);
    for (const step of ['verifyCheckoutSession', 'recordPayment', 'enrollStudent', 'unlockFirstProject'])
      expect(inTrace).toContain(`RunActivity:${step}`);
    const checkoutRequest = spans.find((s) => s.name === 'POST /api/payments/checkout');
    expect(checkoutRequest?.kind).toBe(SpanKind.SERVER);
    expect(checkoutRequest!.spanContext().traceId).not.toBe(root.spanContext().traceId);
  });

  it('continues a caller’s W3C traceparent and records no URL, query string or header', async () => {
    const traceId = '4bf92f3577b34da6a3ce929065a0b123';
    const res = await fetch(`${p.stack.baseUrl}/api/tracks/DP?utm=secret-value`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    const span = await waitFor('the request span', async () =>
      exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.SERVER),
    );
    expect(span.name).toBe('GET /api/tracks/:code');
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(JSON.stringify(span.attributes)).not.toMatch(/secret-value|DP/);
  });

  it('records nothing for a workflow started without a traced caller (tracing off in the API, Schedules)', async () => {
    const untraced = new Client({
      connection: p.stack.client.connection,
      namespace: p.stack.config.TEMPORAL_NAMESPACE,
      dataConverter: p.stack.dataConverter,
    });
    const workflowId = `ping-untraced-${Date.now()}`;
    expect(
      await untraced.workflow.execute('ping', { workflowId, taskQueue: p.stack.taskQueues.default, args: ['x'] }),
    ).toBe('x');
    // A traced start of the same workflow type does record its run: the worker exports workflow spans.
    await p.stack.client.workflow.execute('ping', {
      workflowId: `${workflowId}-traced`,
      taskQueue: p.stack.taskQueues.default,
      args: ['y'],
    });
    await waitFor('the traced run span', async () =>
      exporter.getFinishedSpans().find((s) => s.name === 'RunWorkflow:ping'),
    );
    const runs = exporter.getFinishedSpans().filter((s) => s.name === 'RunWorkflow:ping');
    expect(runs).toHaveLength(1);
    const parent = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === runs[0]!.parentSpanId);
    expect(parent?.name).toBe('StartWorkflow:ping');
  });
});
