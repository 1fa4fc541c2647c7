import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiMetrics, startMetricsServer } from '../../api/http/metrics';
import { startStack, type TestStack } from '../helpers/stack';

const TOKEN = 'metrics-token-for-tests-0123456789';
let withToken: TestStack;
let withoutToken: TestStack;

beforeAll(async () => {
  [withToken, withoutToken] = await Promise.all([
    startStack({ worker: false, env: { METRICS_TOKEN: TOKEN, STRIPE_WEBHOOK_SECRET: 'whsec_metrics_test' } }),
    startStack({ worker: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([withToken?.close(), withoutToken?.close()]);
});

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
