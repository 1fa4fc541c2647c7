import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { startCohortStack } from '../scripts/lib/local-stack';
import { reportLoop, reportRatio, timedLoop, type LoopLimits } from './lib';
import type { Bench } from './types';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 1000);
const LIMITS: LoopLimits = { maxCount: EVENTS, maxMs: 60_000, concurrency: 10 };
const WARM_UP: LoopLimits = { maxCount: 50, maxMs: 10_000, concurrency: 5 };

/**
 * Signed Stripe events per second and p99 latency through the real webhook (verify the
 * signature, store the event id, signal-with-start the saga) against a bare Express
 * handler that only reads the raw body, with the same load on the same machine.
 */
const bench: Bench = async (ctx) => {
  // No worker: the measure is the webhook's own path up to the saga's start.
  const stack = await startCohortStack({ stripe: true, worker: false, adminAlerts: { email: 'ops@cohort.test' } });
  const standin = stack.standin!;
  const bare = express();
  bare.post('/webhook', express.raw({ type: () => true }), (_req, res) => {
    res.json({ received: true });
  });
  const bareServer = await new Promise<Server>((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    // 100 students, each with several events: the saga runs get signals, as in production.
    const users = Array.from({ length: 100 }, () => randomUUID());
    const payloads = Array.from({ length: EVENTS }, (_, i) =>
      JSON.stringify({
        id: `evt_bench_${randomUUID().replace(/-/g, '')}`,
        object: 'event',
        type: 'checkout.session.completed',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: `cs_bench_${i}`,
            object: 'checkout.session',
            client_reference_id: users[i % users.length],
            metadata: { userId: users[i % users.length], track: 'DP' },
          },
        },
      }),
    );
    const poster = (url: string) => {
      let next = 0;
      return async () => {
        const payload = payloads[next++ % payloads.length]!;
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': standin.controls.sign(payload) },
          body: payload,
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      };
    };
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/webhook`;
    await timedLoop(WARM_UP, poster(bareUrl));
    const baseline = await timedLoop(LIMITS, poster(bareUrl));
    const real = await timedLoop(LIMITS, poster(`${stack.baseUrl}/api/payments/webhook`));

    reportLoop(ctx, 'webhook_events', real);
    reportLoop(ctx, 'bare_express', baseline);
    reportRatio(ctx, 'webhook_events_rps', real.perSecond, baseline.perSecond);
    reportRatio(ctx, 'webhook_events_p99', real.p99, baseline.p99);
  } finally {
    await new Promise((resolve) => bareServer.close(resolve));
    await stack.close();
  }
};

export default bench;
