import { createHmac } from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Rate } from '../duration';
import type { Knex } from '../db/knex';

/** The table the migration creates (rate-limiter-flexible's layout); never created at run time. */
const TABLE = 'rate_limits';

export interface RateLimiter {
  /**
   * Counts one attempt under `key`: undefined while within the limit, else how long until
   * the next attempt is allowed (ms). Atomic across every replica (one upsert).
   */
  consume(key: string): Promise<{ retryAfterMs: number } | undefined>;
  /** Takes back an attempt that turned out not to count (e.g. a login that succeeded). */
  refund(key: string): Promise<void>;
}

/**
 * A named limit (`login-ip`, `signup-ip`, …) kept in PostgreSQL, so replicas share it.
 * Keys are HMACs under `secret`: the table holds no address and no email.
 */
export function createRateLimiter(knex: Knex, name: string, rate: Rate, secret: Buffer): RateLimiter {
  const limiter = new RateLimiterPostgres({
    storeClient: knex,
    storeType: 'knex',
    tableName: TABLE,
    tableCreated: true,
    keyPrefix: name,
    points: rate.points,
    duration: Math.max(1, Math.ceil(rate.durationMs / 1000)),
  });
  const hashed = (key: string) => createHmac('sha256', secret).update(`rate-limit:${name}:${key}`).digest('hex');
  return {
    async consume(key) {
      try {
        await limiter.consume(hashed(key));
        return undefined;
      } catch (error) {
        // The library rejects with its result object when the limit is exceeded, with an Error when the store fails.
        if (error instanceof RateLimiterRes) return { retryAfterMs: error.msBeforeNext };
        throw error;
      }
    },
    async refund(key) {
      await limiter.reward(hashed(key));
    },
  };
}
