import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppError } from '../../lib/errors';

/** The API's Prometheus metrics: process defaults plus request durations. */
export interface ApiMetrics {
  registry: Registry;
  /** Times every request; labels use the route pattern, never the raw URL (bounded cardinality). */
  observe: RequestHandler;
  /** Requests refused by an abuse limit, by limiter name. */
  rateLimited: Counter<'limiter'>;
  /** Stripe webhook deliveries by event type (handled types only, else `other`) and outcome. */
  webhookEvents: Counter<'type' | 'outcome'>;
}

/** The route pattern a request matched (`/api/users/:id`), never its URL: no ids, no query strings. */
export function routePattern(req: Request): string {
  const pattern = req.route?.path as unknown;
  return pattern === undefined ? 'unmatched' : `${req.baseUrl}${String(pattern)}`;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Anonymous refusals are counted here rather than written to the audit log, which an
  // unauthenticated flood would otherwise grow without bound (refusals of signed-in users stay audited).
  const anonymousRefusals = new Counter({
    name: 'http_anonymous_refusals_total',
    help: 'Requests without a session answered 401 or 429, by route pattern and status code',
    labelNames: ['route', 'status_code'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'http_rate_limited_total',
    help: 'Requests refused by an abuse limit (429), by limiter',
    labelNames: ['limiter'] as const,
    registers: [registry],
  });
  const webhookEvents = new Counter({
    name: 'cohort_webhook_events_total',
    help: 'Stripe webhook deliveries by event type and outcome (routed, ignored, duplicate, retry-later, rejected)',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const observe: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      const route = routePattern(req);
      const status = String(res.statusCode);
      end({ method: req.method, route, status_code: status });
      if (!req.auth && (res.statusCode === 401 || res.statusCode === 429))
        anonymousRefusals.inc({ route, status_code: status });
    });
    next();
  };
  return { registry, observe, rateLimited, webhookEvents };
}

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * `/metrics` on the public API port: only with `Authorization: Bearer <METRICS_TOKEN>`.
 * Without a configured token the path does not exist there (404 from the app).
 */
export function metricsOnApiPort(metrics: ApiMetrics, token: string | undefined): RequestHandler {
  return async (req, res, next) => {
    if (!token) return next();
    if (!sameSecret(req.get('authorization') ?? '', `Bearer ${token}`)) {
      throw new AppError('unauthenticated', 'A valid metrics token is required.');
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/** A separate listener serving only `/metrics`, for METRICS_PORT (meant for a private network). */
export function startMetricsServer(metrics: ApiMetrics, port: number, host = '0.0.0.0'): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}
