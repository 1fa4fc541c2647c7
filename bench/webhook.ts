import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Bench } from './types';
import { load, percentile, startBenchStack } from './support/payments-stack';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 1000);
const CONCURRENCY = 10;

/**
 * Signed Stripe events per second and p99 latency through the real webhook (verify the
 * signature, store the event id, signal-with-start the saga) against a bare Express
 * handler that only reads the raw body, with the same load on the same machine.
 */
const bench: Bench = async ({ report }) => {
  const stack = await startBenchStack();
  const bare = express();
  bare.post('/webhook', express.raw({ type: () => true }), (_req, res) => { res.json({ received: true }); });
  const bareServer = await new Promise<import('node:http').Server>((resolve) => { const s = bare.listen(0, '127.0.0.1', () => resolve(s)); });
  try {
    // 100 students, each with several events: the saga runs get signals, as in production.
    const users = Array.from({ length: 100 }, () => randomUUID());
    const payloads = Array.from({ length: EVENTS }, (_, i) => JSON.stringify({
      id: `evt_bench_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
      data: { object: { id: `cs_bench_${i}`, object: 'checkout.session', client_reference_id: users[i % users.length], metadata: { userId: users[i % users.length], track: 'DP' } } },
    }));
    const post = async (url: string, payload: string) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stack.standin.controls.sign(payload) }, body: payload });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    };
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/webhook`;
    await load(50, 5, (i) => post(bareUrl, payloads[i]!)); // warm-up
    const baseline = await load(EVENTS, CONCURRENCY, (i) => post(bareUrl, payloads[i]!));
    const real = await load(EVENTS, CONCURRENCY, (i) => post(`${stack.baseUrl}/api/payments/webhook`, payloads[i]!));

    const realRate = EVENTS / real.seconds;
    const bareRate = EVENTS / baseline.seconds;
    report('webhook_events_per_second', Math.round(realRate), 'events/s');
    report('webhook_p99_latency', Number(percentile(real.latencies, 99).toFixed(1)), 'ms');
    report('bare_express_events_per_second', Math.round(bareRate), 'events/s');
    report('bare_express_p99_latency', Number(percentile(baseline.latencies, 99).toFixed(1)), 'ms');
    report('webhook_vs_bare_throughput_ratio', Number((realRate / bareRate).toFixed(3)), 'ratio');
  } finally {
    await new Promise((resolve) => bareServer.close(resolve));
    await stack.close();
  }
};

export default bench;
