import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What Postmark received, as its `/email` API defines the JSON body. */
export interface PostmarkReceived {
  From: string;
  To: string;
  Subject: string;
  HtmlBody?: string;
  TextBody?: string;
  Tag?: string;
  MessageStream?: string;
  Headers?: { Name: string; Value: string }[];
  serverToken: string | undefined;
  MessageID: string;
}

export type PostmarkFailure = 'invalid-request' | 'inactive-recipient' | 'rate-limited' | 'server-error';

const FAILURES: Record<PostmarkFailure, { status: number; body: { ErrorCode: number; Message: string } }> = {
  'invalid-request': { status: 422, body: { ErrorCode: 300, Message: 'Invalid email request' } },
  'inactive-recipient': {
    status: 422,
    body: {
      ErrorCode: 406,
      Message:
        'You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: x@example.test.',
    },
  },
  'rate-limited': { status: 429, body: { ErrorCode: 429, Message: 'Rate limit exceeded' } },
  'server-error': { status: 500, body: { ErrorCode: 500, Message: 'Internal server error' } },
};

export interface FakePostmark {
  baseUrl: string;
  token: string;
  /** Accepted messages, in order. */
  messages: PostmarkReceived[];
  /** Every request to /email, accepted or refused. */
  requests: number;
  /** The next `times` sends fail this way. */
  failNext(failure: PostmarkFailure, times?: number): void;
  /** Every send fails this way until cleared (`undefined`). */
  failAlways(failure: PostmarkFailure | undefined): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * A loopback peer speaking Postmark's `/email` API: token check, the JSON fields Cohort
 * sends, Postmark's success answer, and its error answers on demand.
 */
export async function startFakePostmark(token = `pm-${randomUUID()}`): Promise<FakePostmark> {
  const queued: PostmarkFailure[] = [];
  let always: PostmarkFailure | undefined;
  const state = { messages: [] as PostmarkReceived[], requests: 0 };

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/email')
        return reply(res, 404, { ErrorCode: 404, Message: 'Not found' });
      state.requests += 1;
      const serverToken = req.headers['x-postmark-server-token'] as string | undefined;
      if (serverToken !== token)
        return reply(res, 401, { ErrorCode: 10, Message: 'Request does not contain a valid Server token.' });
      if (req.headers['content-type']?.includes('application/json') !== true)
        return reply(res, 415, { ErrorCode: 0, Message: 'JSON required' });
      const body = (await readJson(req)) as Omit<PostmarkReceived, 'serverToken' | 'MessageID'>;
      const failure = queued.shift() ?? always;
      if (failure) return reply(res, FAILURES[failure].status, FAILURES[failure].body);
      if (!body.From || !body.To || !body.Subject || (!body.HtmlBody && !body.TextBody)) {
        return reply(res, 422, { ErrorCode: 300, Message: 'Invalid email request' });
      }
      const MessageID = randomUUID();
      state.messages.push({ ...body, serverToken, MessageID });
      reply(res, 200, { To: body.To, SubmittedAt: new Date().toISOString(), MessageID, ErrorCode: 0, Message: 'OK' });
    })().catch(() => reply(res, 400, { ErrorCode: 402, Message: 'Received invalid JSON input.' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    get messages() {
      return state.messages;
    },
    get requests() {
      return state.requests;
    },
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) queued.push(failure);
    },
    failAlways(failure) {
      always = failure;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
