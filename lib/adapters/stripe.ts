import Stripe from 'stripe';
import type { Config } from '../config';

export type StripeClient = Stripe;
export type CheckoutSession = Stripe.Checkout.Session;
export type StripeEvent = Stripe.Event;

/**
 * The real `stripe` client from STRIPE_SECRET_KEY, pointed at STRIPE_API_BASE when set
 * (the loopback stand-in in the dev stack and tests). No key: payments are off.
 * Network retries are Temporal's job (activities carry idempotency keys), so the
 * client itself does not retry.
 */
export function createStripeClient(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>): Stripe | undefined {
  if (!config.STRIPE_SECRET_KEY) return undefined;
  const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : undefined;
  const protocol = base?.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 0,
    timeout: 15_000,
    ...(base ? { host: base.hostname, port: base.port || (protocol === 'http' ? 80 : 443), protocol } : {}),
  });
}

/** Verifies a webhook body against its Stripe-Signature; throws on a bad, missing or stale one. */
export function verifyStripeEvent(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
  toleranceSeconds = 300,
): Stripe.Event {
  return Stripe.webhooks.constructEvent(rawBody, signature ?? '', secret, toleranceSeconds);
}

/** Stripe's "no such object" answer. */
export const isStripeMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError &&
  (error.statusCode === 404 || error.code === 'resource_missing');

/** Errors a retry cannot fix (bad request, auth); everything else (5xx, network) is transient. */
export const isStripePermanent = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeError &&
  typeof error.statusCode === 'number' &&
  error.statusCode >= 400 &&
  error.statusCode < 500 &&
  error.statusCode !== 429 &&
  error.statusCode !== 409;

/** Stripe's own answer was not the object asked for (see `requireStripeObject`): transient, retried. */
export class StripeUnexpectedAnswer extends Error {
  constructor(expected: string) {
    super(`Stripe answered something other than a ${expected}`);
    this.name = 'StripeUnexpectedAnswer';
  }
}

/**
 * stripe-node takes any JSON without an `error` field for a success, even a gateway's 5xx
 * (an API gateway's `{"message": "Service Unavailable"}`): an answer that is not the object
 * asked for is a transient failure, retried, never read as a session or refund.
 */
export function requireStripeObject<T extends { object: string }>(answer: T, object: T['object']): T {
  if ((answer as { object?: unknown } | null)?.object !== object) throw new StripeUnexpectedAnswer(object);
  return answer;
}
