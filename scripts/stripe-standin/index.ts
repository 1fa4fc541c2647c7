import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookDelivery, type DeliveryMode } from './delivery';
import { StandinStore, StripeError, decodeForm, type StandinEvent, type StripeObject } from './store';

export interface StripeStandinOptions {
  port?: number;
  host?: string;
  webhookUrl: string;
  webhookSecret: string;
}

/** Switches and helpers for tests and the dev stack. */
export interface StandinControls {
  /** Delivery quirks: duplicates (`copies`), out of order (`hold` + `release()`), late (`delayMs`). */
  delivery: DeliveryMode;
  release(): Promise<void>;
  heldCount(): number;
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>;
  /** The next `n` API calls (not the pay link) answer 500. */
  failNextApiCalls(n: number): void;
  apiCalls(): number;
  /** Pays a session as the buyer would (the POST to its url does the same). */
  pay(sessionId: string, options?: { async?: boolean }): StandinEvent;
  asyncPaymentSucceeded(sessionId: string): StandinEvent;
  asyncPaymentFailed(sessionId: string): StandinEvent;
  /** A refund made in the Stripe dashboard (outside Cohort). */
  chargeRefunded(sessionId: string): StandinEvent;
  disputeCreated(sessionId: string): StandinEvent;
  /** Delivers any event object as given (e.g. for a session Stripe never created); `created` backdates it. */
  sendEvent(type: string, object: StripeObject, options?: { created?: number }): StandinEvent;
  /** A refund of a charge Cohort never saw (no Cohort metadata), reported `ageSeconds` after it happened. */
  foreignChargeRefunded(ageSeconds?: number): StandinEvent;
  /** Signs a payload as Stripe would; `timestamp` in seconds to forge stale ones. */
  sign(payload: string, timestamp?: number): string;
  session(id: string): StripeObject | undefined;
  sessions(): StripeObject[];
  refunds(): StripeObject[];
  deliveries: WebhookDelivery['log'];
  /** Points deliveries elsewhere (a test stack learns its API port after the stand-in starts). */
  setWebhookUrl(url: string): void;
}

export interface StripeStandin {
  url: string;
  port: number;
  controls: StandinControls;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'request-id': `req_${Math.random().toString(36).slice(2)}` });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const payPage = (session: StripeObject) => `<!doctype html><title>Stripe stand-in checkout</title>
<h1>Pay ${(Number(session.amount_total) / 100).toFixed(2)} ${String(session.currency).toUpperCase()}</h1>
<form method="post"><button>Pay with test card</button></form>`;

/**
 * A loopback stand-in for the parts of Stripe that Cohort uses, spoken to by the real
 * `stripe` client (`host`, `port`, `protocol: 'http'`). The dev stack runs it when no
 * Stripe key is set; tests use it with its controls.
 */
export async function startStripeStandin(options: StripeStandinOptions): Promise<StripeStandin> {
  let baseUrl = '';
  const store = new StandinStore(() => baseUrl);
  const delivery = new WebhookDelivery(options.webhookUrl, options.webhookSecret);
  let failures = 0;
  let calls = 0;

  const emit = (type: string, object: StripeObject, created?: number) => {
    const event = store.event(type, object, created);
    delivery.enqueue(event);
    return event;
  };
  const pay = (sessionId: string, payOptions: { async?: boolean } = {}) =>
    emit('checkout.session.completed', store.view(store.complete(sessionId, payOptions)));
  const foreignChargeRefunded = (ageSeconds: number) => {
    const { charge } = store.refund({ charge: store.foreignCharge().id });
    return emit('charge.refunded', charge, Math.floor(Date.now() / 1000) - ageSeconds);
  };
  const chargeOf = (sessionId: string) => {
    const charge = store.chargeFor(String(store.session(sessionId).payment_intent));
    if (!charge) throw new StripeError(400, 'invalid_request_error', 'Session not paid');
    return charge;
  };

  async function api(
    method: string,
    path: string,
    search: URLSearchParams,
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown }> {
    const body = method === 'POST' ? decodeForm(await readBody(req)) : {};
    const key = req.headers['idempotency-key'] as string | undefined;
    const replay = method === 'POST' ? store.idempotentAnswer(key) : undefined;
    if (replay) return replay;
    let answer: { status: number; body: unknown } | undefined;
    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      answer = { status: 200, body: store.view(store.createSession(body)) };
    } else if (method === 'POST' && (match = /^\/v1\/checkout\/sessions\/([\w-]+)\/expire$/.exec(path))) {
      const session = store.view(store.expire(match[1]!));
      emit('checkout.session.expired', session);
      answer = { status: 200, body: session };
    } else if (method === 'GET' && (match = /^\/v1\/checkout\/sessions\/([\w-]+)$/.exec(path))) {
      answer = { status: 200, body: store.view(store.session(match[1]!)) };
    } else if (method === 'POST' && path === '/v1/refunds') {
      const { refund, charge } = store.refund(body);
      emit('charge.refunded', charge);
      answer = { status: 200, body: refund };
    } else if (method === 'GET' && path === '/v1/events') {
      const limit = Math.min(Number(search.get('limit') ?? 10), 100);
      answer = {
        status: 200,
        body: {
          object: 'list',
          url: '/v1/events',
          has_more: store.events.length > limit,
          data: [...store.events].reverse().slice(0, limit),
        },
      };
    } else if (method === 'GET' && (match = /^\/v1\/events\/([\w-]+)$/.exec(path))) {
      answer = { status: 200, body: store.findEvent(match[1]!) };
    } else {
      throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
    }
    if (method === 'POST') store.rememberAnswer(key, answer);
    return answer;
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const method = req.method ?? 'GET';
    const handle = async () => {
      const pay_ = /^\/pay\/([\w-]+)$/.exec(url.pathname);
      if (pay_) {
        const session = store.session(pay_[1]!);
        if (method === 'GET') return send(res, 200, payPage(session), 'text/html; charset=utf-8');
        await readBody(req);
        const event = pay(session.id, { async: url.searchParams.get('async') === '1' });
        const success =
          typeof session.success_url === 'string'
            ? session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id)
            : null;
        return send(res, 200, {
          paid: session.payment_status === 'paid',
          sessionId: session.id,
          eventId: event.id,
          successUrl: success,
        });
      }
      // Dev-stack helper for the demo: Stripe reporting, late, the refund of a payment Cohort never saw.
      if (method === 'POST' && url.pathname === '/_standin/foreign-charge-refund') {
        await readBody(req);
        const age = Number(url.searchParams.get('age_seconds') ?? 0);
        if (!Number.isInteger(age) || age < 0 || age > 30 * 86_400)
          throw new StripeError(400, 'invalid_request_error', 'age_seconds must be 0 to 2592000');
        const event = foreignChargeRefunded(age);
        const charge = event.data.object;
        return send(res, 200, { eventId: event.id, paymentIntent: charge.payment_intent, created: event.created });
      }
      if (!url.pathname.startsWith('/v1/')) throw new StripeError(404, 'invalid_request_error', 'Not found');
      calls++;
      if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
        throw new StripeError(401, 'invalid_request_error', 'You did not provide an API key.');
      if (failures > 0) {
        failures--;
        throw new StripeError(500, 'api_error', 'Stand-in answering 500 as asked.');
      }
      const answer = await api(method, url.pathname, url.searchParams, req);
      send(res, answer.status, answer.body);
    };
    handle().catch((error: unknown) => {
      const stripeError = error instanceof StripeError ? error : new StripeError(500, 'api_error', 'Stand-in failure');
      send(res, stripeError.status, stripeError.body());
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  const controls: StandinControls = {
    delivery: delivery.mode,
    release: () => delivery.release(),
    heldCount: () => delivery.heldCount(),
    idle: () => delivery.idle(),
    failNextApiCalls: (n) => {
      failures = n;
    },
    apiCalls: () => calls,
    pay,
    asyncPaymentSucceeded: (id) =>
      emit('checkout.session.async_payment_succeeded', store.view(store.settleAsync(id, true))),
    asyncPaymentFailed: (id) => emit('checkout.session.async_payment_failed', store.view(store.settleAsync(id, false))),
    chargeRefunded: (id) => emit('charge.refunded', store.refund({ charge: chargeOf(id).id }).charge),
    disputeCreated: (id) => emit('charge.dispute.created', store.dispute(String(store.session(id).payment_intent))),
    sendEvent: (type, object, eventOptions) => emit(type, object, eventOptions?.created),
    foreignChargeRefunded: (ageSeconds = 0) => foreignChargeRefunded(ageSeconds),
    sign: (payload, timestamp) => delivery.sign(payload, timestamp),
    session: (id) => store.sessions.get(id),
    sessions: () => [...store.sessions.values()],
    refunds: () => [...store.refunds.values()],
    deliveries: delivery.log,
    setWebhookUrl: (url) => {
      delivery.webhookUrl = url;
    },
  };

  return {
    url: baseUrl,
    port,
    controls,
    async close() {
      await delivery.idle();
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
    },
  };
}
