import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlack {
  url: string;
  /** Texts posted so far, in arrival order (each accepted post, even one answered late). */
  messages: string[];
  /** When each of `messages` arrived (epoch ms), same order. */
  arrivals: number[];
  /** Every POST received, accepted or refused. */
  requests(): number;
  /** The next `n` posts answer 500 (Slack outage). */
  failNext(n: number): void;
  /** Every post answers this status until cleared (`undefined`): 404 `no_service` is a revoked webhook. */
  answerAlways(status: number | undefined): void;
  /** The next `n` posts are taken (recorded) but answered only after `ms` (a slow Slack). */
  delayNext(n: number, ms: number): void;
  close(): Promise<void>;
}

const BODIES: Record<number, string> = {
  400: 'invalid_payload',
  403: 'invalid_token',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
};

/** A loopback Slack incoming webhook: accepts `{ text }` JSON and answers `ok`, as Slack does. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const messages: string[] = [];
  const arrivals: number[] = [];
  let failures = 0;
  let always: number | undefined;
  let requests = 0;
  let delayed = { n: 0, ms: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const refuse = always ?? (failures > 0 ? 500 : undefined);
      if (refuse !== undefined) {
        if (always === undefined) failures--;
        res.writeHead(refuse, { 'content-type': 'text/plain' }).end(BODIES[refuse] ?? 'internal_error');
        return;
      }
      let text: unknown;
      try {
        text = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: unknown }).text;
      } catch {
        text = undefined;
      }
      if (req.method !== 'POST' || typeof text !== 'string' || text.length === 0) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      messages.push(text);
      arrivals.push(Date.now());
      const answer = () => {
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayed.n > 0) {
        delayed.n--;
        setTimeout(answer, delayed.ms);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`,
    messages,
    arrivals,
    requests: () => requests,
    failNext: (n) => {
      failures = n;
    },
    answerAlways: (status) => {
      always = status;
    },
    delayNext: (n, ms) => {
      delayed = { n, ms };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
