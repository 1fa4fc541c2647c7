import type { RequestHandler } from 'express';
import type { Config } from '../../lib/config';
import { errors } from '../../lib/errors';

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** JSON can only be sent cross-site after a CORS preflight, which this API never grants. */
const isJson = (contentType: string | undefined) => {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

/**
 * Cross-site request forgery guard: a change authenticated by the session cookie (which a
 * browser attaches to a form another site submits) must come as JSON or carry an `Origin`
 * of this API or its front end; else 403. Bearer tokens are never sent by a browser on its
 * own, so those requests pass. Runs after `authenticate`.
 */
export function guardCookieRequests(config: Config): RequestHandler {
  const origins = new Set(
    [config.PUBLIC_BASE_URL, config.FRONTEND_URL].filter((u): u is string => Boolean(u)).map((u) => new URL(u).origin),
  );
  return (req, _res, next) => {
    if (req.auth?.via !== 'cookie' || !CHANGES.has(req.method)) return next();
    const origin = req.get('origin');
    if (isJson(req.get('content-type')) || (origin !== undefined && origins.has(origin))) return next();
    throw errors.forbidden('A change signed in by cookie must be sent as JSON or from this application’s origin.');
  };
}
