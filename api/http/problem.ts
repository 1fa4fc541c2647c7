import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type ErrorCode } from '../../lib/errors';
import { translateDbError } from '../../lib/db/errors';
import { translateTemporalError } from './temporal-errors';
import type { Logger } from '../../lib/logger';

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  unauthenticated: 'Unauthenticated',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Unprocessable content',
  consent_required: 'Consent required',
  rate_limited: 'Too many requests',
  internal: 'Internal server error',
  payments_not_configured: 'Payments not configured',
  unavailable: 'Service unavailable',
};

export const PROBLEM_TYPE_BASE = 'https://cohort.dev/problems/';

/** Errors from body-parser and friends carry an HTTP status and a `type` of their own. */
function fromHttpError(error: {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}): AppError | undefined {
  const status = error.status ?? error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) return new AppError('payload_too_large', 'The request body is too large.');
  if (status === 415) return new AppError('unsupported_media_type', 'Send JSON (Content-Type: application/json).');
  if (error.type === 'entity.parse.failed')
    return new AppError('validation_failed', 'The request body is not valid JSON.');
  return new AppError('validation_failed', 'The request is malformed.', { status });
}

/** The RFC 9457 body of an error. */
export function problemBody(error: AppError): Record<string, unknown> {
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.extra.errors ? { errors: error.extra.errors } : {}),
    ...(error.extra.fields ?? {}),
  };
}

export function sendProblem(res: Parameters<RequestHandler>[1], error: AppError): void {
  if (error.extra.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.extra.retryAfterSeconds));
  res.status(error.status).type('application/problem+json').json(problemBody(error));
}

/** The one place errors become HTTP: RFC 9457 problem+json, no internals on a 500. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (rawError: unknown, req, res, next) => {
    if (res.headersSent) return next(rawError);
    const error = translateTemporalError(translateDbError(rawError));
    const known = error instanceof AppError ? error : fromHttpError(error as object);
    if (known) {
      if (known.extra.internal) req.log?.debug({ internal: known.extra.internal }, known.message);
      return sendProblem(res, known);
    }
    (req.log ?? logger).error({ err: rawError }, 'unhandled error');
    sendProblem(res, new AppError('internal', 'Something went wrong on our side.'));
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  sendProblem(res, new AppError('not_found', 'No such endpoint.'));
};
