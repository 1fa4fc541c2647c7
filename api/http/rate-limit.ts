import { isIPv4, isIPv6 } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import { createRateLimiter } from '../../lib/abuse/rate-limiter';
import type { Config } from '../../lib/config';
import type { Knex } from '../../lib/db/knex';
import type { Rate } from '../../lib/duration';
import { errors } from '../../lib/errors';
import type { ApiMetrics } from './metrics';

/** The abuse limits; each is a counter per client address or per account, shared by every replica. */
export type RateLimitName =
  | 'login-ip'
  | 'login-account'
  | 'signup-ip'
  | 'set-password-ip'
  | 'verify-email-ip'
  | 'forgot-password-ip'
  | 'forgot-password-account';

interface Rule {
  rate: (config: Config) => Rate;
  /** What is counted: the client address or the account named in the body; undefined: not counted. */
  key: (req: Request) => string | undefined;
  /** Which answers count against the limit (default: every attempt); the others are refunded. */
  counts?: (status: number) => boolean;
}

/** IPv6 clients usually hold a whole /64: counting per address would give them 2^64 tries. */
export function addressKey(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const address = ip.replace(/%.*$/, '');
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

const byAddress = (req: Request) => addressKey(req.ip);
/** The account a request names (login, forgot-password): its email, normalized; never stored as such (HMAC). */
const byAccount = (req: Request) => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.length <= 320 ? email.trim().toLowerCase() : undefined;
};
// A login counts when the credentials were wrong; malformed requests and successes are not guesses.
const wrongCredentials = (status: number) => status === 401;

const RULES: Record<RateLimitName, Rule> = {
  'login-ip': { rate: (c) => c.RATE_LIMIT_LOGIN_IP, key: byAddress, counts: wrongCredentials },
  'login-account': {
    rate: (c) => ({ points: c.LOGIN_MAX_FAILURES, durationMs: c.LOGIN_FAILURE_WINDOW }),
    key: byAccount,
    counts: wrongCredentials,
  },
  'signup-ip': { rate: (c) => c.RATE_LIMIT_SIGNUP, key: byAddress },
  'set-password-ip': { rate: (c) => c.RATE_LIMIT_SET_PASSWORD, key: byAddress },
  'verify-email-ip': { rate: (c) => c.RATE_LIMIT_VERIFY_EMAIL, key: byAddress },
  'forgot-password-ip': { rate: (c) => c.RATE_LIMIT_FORGOT_PASSWORD_IP, key: byAddress },
  'forgot-password-account': { rate: (c) => c.RATE_LIMIT_FORGOT_PASSWORD_ACCOUNT, key: byAccount },
};

export interface RateLimitDeps {
  knex: Knex;
  config: Config;
  metrics?: ApiMetrics;
}

/** Runs `settle` before the answer leaves, so the next request (on any replica) sees its effect. */
function beforeAnswer(res: Response, settle: () => Promise<void>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let settled = false;
  res.end = ((...args: unknown[]) => {
    if (settled) return end(...args);
    settled = true;
    void settle().finally(() => end(...args));
    return res;
  }) as Response['end'];
}

/**
 * Guards a route with the named limit: over it, 429 `rate_limited` with Retry-After (in
 * seconds), before the handler runs. Use one per key, e.g. `[rateLimit('login-ip', deps),
 * rateLimit('login-account', deps)]`. The counter lives in PostgreSQL (`rate_limits`).
 */
export function rateLimit(name: RateLimitName, deps: RateLimitDeps): RequestHandler {
  const rule = RULES[name];
  const limiter = createRateLimiter(
    deps.knex,
    name,
    rule.rate(deps.config),
    Buffer.from(deps.config.COHORT_ENCRYPTION_KEY, 'hex'),
  );
  return async (req, res, next) => {
    const key = rule.key(req);
    if (key === undefined) return next();
    const refused = await limiter.consume(key);
    if (refused) {
      deps.metrics?.rateLimited.inc({ limiter: name });
      res.set('Retry-After', String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))));
      throw errors.rateLimited();
    }
    const { counts } = rule;
    if (counts)
      beforeAnswer(res, async () => {
        if (counts(res.statusCode)) return;
        await limiter
          .refund(key)
          .catch((error: unknown) => req.log?.warn({ err: error, limiter: name }, 'refund failed'));
      });
    next();
  };
}
