import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlack {
  url: string;
  /** Texts posted so far, in arrival order. */
  messages: string[];
  /** The next `n` posts answer 500 (Slack outage). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** A loopback Slack incoming webhook: accepts `{ text }` JSON and answers `ok`, as Slack does. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const messages: string[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal_error');
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
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`,
    messages,
    failNext: (n) => {
      failures = n;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
