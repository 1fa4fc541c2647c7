import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** pass: forward; 503: answer 503 at once; hang: take the request and never answer. */
export type FaultMode = 'pass' | '503' | 'hang';

export interface FaultProxy {
  /** This proxy's base URL, to configure in place of the peer's. */
  url: string;
  /** The peer requests go to in `pass` mode (settable: some peers listen only after the proxy is configured). */
  target: string;
  mode: FaultMode;
  /** Requests seen per mode, to show the outage was felt. */
  seen: Record<FaultMode, number>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP reverse proxy in front of a fake SaaS peer that can turn into an outage:
 * node's http is enough for forwarding one hop (no TLS, websockets or header rewriting), so
 * no proxy library. Leaving `hang` drops the requests it held, as a peer's load balancer
 * finally closing them would; the clients' own timeouts may have fired before.
 */
export async function startFaultProxy(target = ''): Promise<FaultProxy> {
  const held = new Set<ServerResponse>();
  const state = { target, mode: 'pass' as FaultMode, seen: { pass: 0, '503': 0, hang: 0 } };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', state.target);
    const upstream = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    state.seen[state.mode] += 1;
    if (state.mode === 'pass') return forward(req, res);
    if (state.mode === '503') {
      req.resume();
      // What a load balancer in front of a down peer answers: not the peer's own error format.
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    req.resume();
    held.add(res);
    res.once('close', () => held.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get target() {
      return state.target;
    },
    set target(value: string) {
      state.target = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value: FaultMode) {
      if (state.mode === 'hang' && value !== 'hang') for (const res of held) res.destroy();
      state.mode = value;
    },
    seen: state.seen,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
