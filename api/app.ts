import { createBlobStore } from '../lib/adapters/blob-store/index';
import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import type { AppDeps } from './deps';
import { authenticate } from './http/auth';
import { guardCookieRequests } from './http/cookie-requests';
import { createApiMetrics, metricsOnApiPort, routePattern } from './http/metrics';
import { notFoundHandler, problemHandler } from './http/problem';
import { documentRoute } from './http/route';
import { traceRequests } from './http/tracing';
import { createRegistry, generateOpenApi } from './openapi';
import { createHealthRouter } from './routes/health';
import { RESOURCE_ROUTERS } from './routes/index';
import { createSecretStore } from '../lib/adapters/secret-store/index';

// The API answers JSON: nothing it serves may load, run or frame anything.
const API_CSP = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};
// Swagger UI: its own scripts and styles (its page carries an inline <style> and style
// attributes), the schema and "try it out" calls to this origin, data: images for its icons.
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Builds the HTTP API from its dependencies; opens no connection of its own. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Which hops may name the client in X-Forwarded-For: req.ip is what rate limits count.
  app.set('trust proxy', deps.config.TRUST_PROXY);

  const metrics = deps.metrics ?? createApiMetrics();
  const secrets = deps.secrets ?? createSecretStore(deps.config, deps.knex);
  const appDeps: AppDeps = { ...deps, metrics, secrets, blobs: deps.blobs ?? createBlobStore(deps.config) };
  app.use(metrics.observe);
  if (deps.tracer) app.use(traceRequests(deps.tracer));
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: API_CSP } }));
  app.use(
    pinoHttp<Request, Response>({
      logger: deps.logger,
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // A request line holds its id, method, route pattern, status and duration: no URL (ids,
      // query strings with emails), no headers (tokens, the OAuth redirect's #token=), no address.
      serializers: {
        req: (req: { id: unknown; method: string }) => ({ id: req.id, method: req.method }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // The route is known only once routing is done, so it joins the completion line.
      customSuccessObject: (req, _res, value: object) => ({ ...value, route: routePattern(req) }),
      customErrorObject: (req, _res, _error, value: object) => ({ ...value, route: routePattern(req) }),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  const registry = createRegistry();
  app.use(createHealthRouter(deps, registry));
  documentRoute(registry, {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (on the API port only with the metrics token)',
    tags: ['Health'],
    secured: true,
    responses: { 200: { description: 'Prometheus text exposition', schema: z.string(), contentType: 'text/plain' } },
  });
  app.get('/metrics', metricsOnApiPort(metrics, deps.config.METRICS_TOKEN));

  // Routers that need the raw body (webhooks) mount before the JSON parser.
  const resourceRouters = RESOURCE_ROUTERS.map((build) => build(appDeps, registry));
  for (const router of resourceRouters.filter((r) => r.rawBody)) app.use(router.router);

  app.use(express.json({ limit: '100kb', strict: true }));
  app.use(cookieParser());
  app.use(authenticate(deps.knex, deps.config));
  app.use(guardCookieRequests(deps.config));
  for (const router of resourceRouters.filter((r) => !r.rawBody)) app.use(router.router);

  documentRoute(registry, {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    tags: ['Health'],
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.looseObject({ openapi: z.string() }) } },
  });
  documentRoute(registry, {
    method: 'get',
    path: '/api/docs',
    summary: 'Browsable API docs',
    tags: ['Health'],
    responses: {
      200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' },
      301: { description: 'To /api/docs/' },
    },
  });
  const document = generateOpenApi(registry, deps.config.PUBLIC_BASE_URL);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(
    '/api/docs',
    helmet.contentSecurityPolicy({ useDefaults: false, directives: DOCS_CSP }),
    swaggerUi.serve,
    swaggerUi.setup(document as object, { customSiteTitle: 'Cohort API' }),
  );

  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
