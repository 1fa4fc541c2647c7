import { randomBytes } from 'node:crypto';

/** The few Stripe objects the stand-in keeps, shaped as Stripe's API returns them. */
export type StripeObject = Record<string, unknown> & { id: string; object: string };

export interface StandinEvent extends StripeObject {
  type: string;
  created: number;
  data: { object: StripeObject };
}

export const stripeId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/**
 * Decodes Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays, as
 * the real API reads the bodies the `stripe` client sends.
 */
export function decodeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split(/[[\]]+/).filter(Boolean);
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      node[part] ??= /^\d+$/.test(parts[i + 1] ?? '') ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
  body() {
    return { error: { type: this.type, message: this.message, ...(this.code ? { code: this.code } : {}) } };
  }
}

/** In-memory Stripe account: checkout sessions, payment intents, charges, refunds, events. */
export class StandinStore {
  readonly sessions = new Map<string, StripeObject>();
  readonly charges = new Map<string, StripeObject>();
  readonly refunds = new Map<string, StripeObject>();
  readonly events: StandinEvent[] = [];
  private readonly idempotent = new Map<string, { status: number; body: unknown }>();

  constructor(private readonly baseUrl: () => string) {}

  /** Replays the first answer for a repeated Idempotency-Key, as Stripe does. */
  idempotentAnswer(key: string | undefined) {
    return key ? this.idempotent.get(key) : undefined;
  }
  rememberAnswer(key: string | undefined, answer: { status: number; body: unknown }) {
    if (key) this.idempotent.set(key, answer);
  }

  createSession(params: Record<string, unknown>): StripeObject {
    type LineItem = { quantity?: string; price_data?: { unit_amount?: string; currency?: string } };
    const items = (params.line_items as LineItem[] | undefined) ?? [];
    if (items.length === 0)
      throw new StripeError(400, 'invalid_request_error', 'line_items is required', 'parameter_missing');
    let amount = 0;
    let currency: string | undefined;
    for (const item of items) {
      const unit = Number(item.price_data?.unit_amount);
      const quantity = Number(item.quantity ?? 1);
      if (!Number.isInteger(unit) || unit < 0)
        throw new StripeError(400, 'invalid_request_error', 'Invalid unit_amount', 'parameter_invalid_integer');
      amount += unit * quantity;
      currency ??= String(item.price_data?.currency ?? '').toLowerCase();
    }
    if (!currency) throw new StripeError(400, 'invalid_request_error', 'currency is required', 'parameter_missing');
    const created = now();
    const expiresAt = params.expires_at === undefined ? created + 86_400 : Number(params.expires_at);
    // As Stripe: 30 minutes to 24 hours after creation.
    if (!Number.isInteger(expiresAt) || expiresAt < created + 1800 || expiresAt > created + 86_400)
      throw new StripeError(
        400,
        'invalid_request_error',
        'The `expires_at` timestamp must be between 30 minutes and 24 hours after Checkout Session creation.',
        'parameter_invalid_integer',
      );
    const id = stripeId('cs');
    const session: StripeObject = {
      id,
      object: 'checkout.session',
      mode: params.mode ?? 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amount,
      amount_subtotal: amount,
      currency,
      client_reference_id: params.client_reference_id ?? null,
      metadata: (params.metadata as object | undefined) ?? {},
      payment_intent_data_metadata: (params.payment_intent_data as { metadata?: object } | undefined)?.metadata ?? {},
      success_url: params.success_url ?? null,
      cancel_url: params.cancel_url ?? null,
      payment_intent: null,
      created,
      expires_at: expiresAt,
      livemode: false,
      url: `${this.baseUrl()}/pay/${id}`,
    };
    this.sessions.set(id, session);
    return session;
  }

  session(id: string): StripeObject {
    const session = this.sessions.get(id);
    if (!session)
      throw new StripeError(404, 'invalid_request_error', `No such checkout.session: '${id}'`, 'resource_missing');
    // Past its expires_at an open session is expired, as Stripe does it.
    if (session.status === 'open' && Number(session.expires_at) <= now()) session.status = 'expired';
    return session;
  }

  /** POST /v1/checkout/sessions/:id/expire: only an open session can be expired. */
  expire(id: string): StripeObject {
    const session = this.session(id);
    if (session.status !== 'open')
      throw new StripeError(
        400,
        'invalid_request_error',
        `Only Checkout Sessions with a status in ["open"] can be expired. This session has a status of "${String(session.status)}".`,
      );
    session.status = 'expired';
    return session;
  }

  /** The buyer completes checkout: paid at once by card, or pending for a delayed (async) method. */
  complete(id: string, options: { async?: boolean } = {}): StripeObject {
    const session = this.session(id);
    if (session.status !== 'open')
      throw new StripeError(
        400,
        'invalid_request_error',
        'This Checkout Session is no longer open.',
        'checkout_session_not_open',
      );
    const paymentIntent = stripeId('pi');
    const charge: StripeObject = {
      id: stripeId('ch'),
      object: 'charge',
      amount: session.amount_total,
      amount_refunded: 0,
      currency: session.currency,
      payment_intent: paymentIntent,
      paid: !options.async,
      refunded: false,
      disputed: false,
      metadata: session.payment_intent_data_metadata,
      created: now(),
      livemode: false,
    };
    this.charges.set(charge.id, charge);
    Object.assign(session, {
      status: 'complete',
      payment_intent: paymentIntent,
      payment_status: options.async ? 'unpaid' : 'paid',
    });
    return session;
  }

  settleAsync(id: string, succeeded: boolean): StripeObject {
    const session = this.session(id);
    session.payment_status = succeeded ? 'paid' : 'unpaid';
    const charge = this.chargeFor(String(session.payment_intent));
    if (charge) charge.paid = succeeded;
    return session;
  }

  chargeFor(paymentIntent: string): StripeObject | undefined {
    return [...this.charges.values()].find((c) => c.payment_intent === paymentIntent);
  }

  refund(params: Record<string, unknown>): { refund: StripeObject; charge: StripeObject } {
    const charge =
      typeof params.charge === 'string'
        ? this.charges.get(params.charge)
        : typeof params.payment_intent === 'string'
          ? this.chargeFor(params.payment_intent)
          : undefined;
    if (!charge)
      throw new StripeError(404, 'invalid_request_error', 'No such charge or payment_intent', 'resource_missing');
    const remaining = Number(charge.amount) - Number(charge.amount_refunded);
    const amount = params.amount === undefined ? remaining : Number(params.amount);
    if (remaining <= 0)
      throw new StripeError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} has already been refunded.`,
        'charge_already_refunded',
      );
    if (!Number.isInteger(amount) || amount <= 0 || amount > remaining)
      throw new StripeError(400, 'invalid_request_error', 'Invalid refund amount', 'amount_too_large');
    const refund: StripeObject = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      status: 'succeeded',
      reason: params.reason ?? null,
      metadata: params.metadata ?? {},
      created: now(),
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded = Number(charge.amount_refunded) + amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    return { refund, charge };
  }

  dispute(paymentIntent: string): StripeObject {
    const charge = this.chargeFor(paymentIntent);
    if (!charge) throw new StripeError(404, 'invalid_request_error', 'No such payment_intent', 'resource_missing');
    charge.disputed = true;
    return {
      id: stripeId('dp'),
      object: 'dispute',
      amount: charge.amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: paymentIntent,
      reason: 'fraudulent',
      status: 'needs_response',
      created: now(),
    };
  }

  /**
   * A charge paid outside any Checkout Session (another product on the account, a payment
   * made in the dashboard), with no Cohort metadata.
   */
  foreignCharge(amount = 5000, currency = 'eur'): StripeObject {
    const charge: StripeObject = {
      id: stripeId('ch'),
      object: 'charge',
      amount,
      amount_refunded: 0,
      currency,
      payment_intent: stripeId('pi'),
      paid: true,
      refunded: false,
      disputed: false,
      metadata: {},
      created: now(),
      livemode: false,
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  /** Records an event as Stripe would (its object is a snapshot at this moment); `created` backdates it. */
  event(type: string, object: StripeObject, created = now()): StandinEvent {
    const snapshot = structuredClone(object);
    delete snapshot.payment_intent_data_metadata;
    const event: StandinEvent = {
      id: stripeId('evt'),
      object: 'event',
      type,
      created,
      api_version: '2026-10-28.endive',
      data: { object: snapshot },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    };
    this.events.push(event);
    return event;
  }

  findEvent(id: string): StandinEvent {
    const event = this.events.find((e) => e.id === id);
    if (!event) throw new StripeError(404, 'invalid_request_error', `No such event: '${id}'`, 'resource_missing');
    return event;
  }

  /** Public view of a session (internal fields stripped). */
  view(object: StripeObject): StripeObject {
    const copy = { ...object };
    delete copy.payment_intent_data_metadata;
    return copy;
  }
}
