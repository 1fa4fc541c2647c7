import { SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { RequestHandler } from 'express';
import { routePattern } from './metrics';

/**
 * A server span per request, continuing a caller's W3C `traceparent`; the workflows it
 * starts or signals join its trace (Temporal's client interceptor carries the context in
 * their headers). Named by method and route pattern once routing is done; like the
 * request log it records no URL, query string, header or address.
 *
 * A middleware rather than @opentelemetry/instrumentation-http/-express: those patch
 * `http` and `express` as they load, which in this ESM (tsx) process needs a loader hook
 * registered before anything imports them, for the whole process at once.
 */
export function traceRequests(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method } },
      parent,
    );
    // 'close' comes after 'finish', and also when the client went away first.
    res.once('close', () => {
      const route = routePattern(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ [ATTR_HTTP_ROUTE]: route, [ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
