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
