import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import type { Config } from '../../lib/config';
import { errors } from '../../lib/errors';

/**
 * Counts failed logins (401s) per email + client address; anything else does not count
 * (skipSuccessfulRequests). express-rate-limit's memory store suffices while one API
 * process serves logins; several replicas would pass a shared `store` here instead.
 */
export function loginRateLimit(config: Config): RequestHandler {
  return rateLimit({
    windowMs: config.LOGIN_FAILURE_WINDOW,
    limit: config.LOGIN_MAX_FAILURES,
    skipSuccessfulRequests: true,
    // Only a refused credential check counts; malformed requests are not guesses.
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      const normalized = typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
      return `${req.ip ? ipKeyGenerator(req.ip) : 'unknown'}|${normalized}`;
    },
    handler: (_req, _res, next) => next(errors.rateLimited()),
  });
}
