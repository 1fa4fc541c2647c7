import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { startTracing } from '../../lib/tracing';

const base = { DATABASE_URL: 'postgres://127.0.0.1:5432/unused', COHORT_ENCRYPTION_KEY: 'ab'.repeat(32) };

// A loopback OTLP/HTTP collector: what arrives at it.
const received: Array<{ path: string; contentType: string; body: string }> = [];
let collector: Server;
let endpoint: string;
beforeAll(async () => {
  collector = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => collector?.close(resolve));
});

describe('startTracing', () => {
  it('is off (nothing registered) without OTEL_EXPORTER_OTLP_ENDPOINT, an empty one included', () => {
    expect(startTracing(loadConfig(base), 'cohort-api')).toBeUndefined();
    expect(startTracing(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: '' }), 'cohort-api')).toBeUndefined();
  });

  it('exports spans over OTLP/HTTP to <endpoint>/v1/traces, under the service name', async () => {
    const config = loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'cohort-unit' });
    const tracing = startTracing(config, 'cohort-api')!;
    tracing.tracer.startSpan('POST /api/payments/webhook').end();
    await tracing.shutdown();
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/v1/traces');
    expect(received[0]!.contentType).toContain('application/json');
    expect(received[0]!.body).toContain('POST /api/payments/webhook');
    expect(received[0]!.body).toContain('cohort-unit');
  });
});
