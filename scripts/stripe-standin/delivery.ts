import Stripe from 'stripe';
import type { StandinEvent } from './store';

export interface DeliveryRecord {
  eventId: string;
  type: string;
  status: number | 'error';
  attempt: number;
}

/** How events reach the webhook; tests flip these to reproduce Stripe's delivery quirks. */
export interface DeliveryMode {
  /** Each event is delivered this many times (Stripe delivers at least once). */
  copies: number;
  /** Held events wait for `release()`, then go out shuffled (out-of-order arrival). */
  hold: boolean;
  /** Every delivery waits this long first (late events). */
  delayMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers events to the webhook URL signed exactly as Stripe signs them
 * (`t=…,v1=HMAC-SHA256`), retrying a failed delivery with backoff as Stripe does.
 */
export class WebhookDelivery {
  readonly mode: DeliveryMode = { copies: 1, hold: false, delayMs: 0 };
  readonly log: DeliveryRecord[] = [];
  private held: StandinEvent[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(
    public webhookUrl: string,
    private readonly secret: string,
    // Stripe retries for days; ten tries over about 40 s carry a delivery across a short outage of the API's own dependencies.
    private readonly maxAttempts = 10,
  ) {}

  sign(payload: string, timestamp?: number): string {
    return Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: this.secret,
      ...(timestamp ? { timestamp } : {}),
    });
  }

  enqueue(event: StandinEvent): void {
    for (let i = 0; i < this.mode.copies; i++) {
      if (this.mode.hold) this.held.push(event);
      else this.track(this.deliver(event));
    }
  }

  /** Sends every held event in random order and waits for all of them. */
  async release(): Promise<void> {
    const batch = this.held;
    this.held = [];
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    await Promise.all(batch.map((event) => this.deliver(event)));
  }

  heldCount(): number {
    return this.held.length;
  }

  /** Resolves once every delivery started so far has finished (or given up). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(event: StandinEvent): Promise<void> {
    if (this.mode.delayMs > 0) await sleep(this.mode.delayMs);
    const payload = JSON.stringify(event, null, 2);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let status: number | 'error';
      try {
        const res = await fetch(this.webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': this.sign(payload),
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body: payload,
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 'error';
      }
      this.log.push({ eventId: event.id, type: event.type, status, attempt });
      if (typeof status === 'number' && status < 300) return;
      if (attempt < this.maxAttempts) await sleep(Math.min(100 * 2 ** attempt, 10_000));
    }
  }
}
