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
  Metadata?: Record<string, string>;
  serverToken: string | undefined;
  MessageID: string;
  ReceivedAt: string;
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

/** A data-removal request as Postmark's `/data-removals` API receives it. */
export interface PostmarkDataRemovalReceived {
  RequestedBy: string;
  RequestedFor: string;
  NotifyWhenCompleted: boolean;
  ID: number;
}

export interface FakePostmark {
  baseUrl: string;
  token: string;
  /** The account token `/data-removals` takes (X-Postmark-Account-Token). */
  accountToken: string;
  /** Accepted data-removal requests, in order. */
  dataRemovals: PostmarkDataRemovalReceived[];
  /** Accepted messages, in order. */
  messages: PostmarkReceived[];
  /** Every request to /email, accepted or refused. */
  requests: number;
  /** Every search of `GET /messages/outbound`. */
  searches: number;
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

/** Postmark's `POST /data-removals` (account token): a removal id, status Pending. */
async function dataRemoval(
  req: IncomingMessage,
  res: ServerResponse,
  accountToken: string,
  state: { dataRemovals: PostmarkDataRemovalReceived[] },
) {
  if (req.headers['x-postmark-account-token'] !== accountToken)
    return reply(res, 401, { ErrorCode: 10, Message: 'Request does not contain a valid Account token.' });
  const body = (await readJson(req)) as Partial<PostmarkDataRemovalReceived>;
  const isAddress = (v: unknown) => typeof v === 'string' && /^[^\s@]+@[^\s@]+$/.test(v);
  if (!isAddress(body.RequestedBy) || !isAddress(body.RequestedFor))
    return reply(res, 422, { ErrorCode: 1400, Message: 'RequestedBy and RequestedFor must be email addresses.' });
  const ID = 1000 + state.dataRemovals.length;
  state.dataRemovals.push({
    RequestedBy: body.RequestedBy!,
    RequestedFor: body.RequestedFor!,
    NotifyWhenCompleted: body.NotifyWhenCompleted === true,
    ID,
  });
  reply(res, 200, { ID, Status: 'Pending' });
}

/**
 * Postmark's Outbound Messages search (`GET /messages/outbound`): `count` and `offset`
 * required, filtered by `recipient`, `tag` and `metadata_<field>`, newest first, answered
 * in Postmark's shape (TotalCount, Messages with To as objects and Metadata).
 */
function search(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  state: { messages: PostmarkReceived[]; searches: number },
) {
  if (req.headers['x-postmark-server-token'] !== token)
    return reply(res, 401, { ErrorCode: 10, Message: 'Request does not contain a valid Server token.' });
  state.searches += 1;
  const params = new URL(req.url!, 'http://postmark.local').searchParams;
  const count = Number(params.get('count'));
  const offset = Number(params.get('offset'));
  if (!Number.isInteger(count) || count < 1 || count > 500 || !Number.isInteger(offset) || offset < 0)
    return reply(res, 422, {
      ErrorCode: 600,
      Message: 'Count and Offset are required: Count 1 to 500, Offset 0 or more.',
    });
  const metadata = [...params].filter(([k]) => k.startsWith('metadata_')).map(([k, v]) => [k.slice(9), v] as const);
  const found = state.messages
    .filter((m) => !params.get('recipient') || m.To.split(',').some((to) => to.trim() === params.get('recipient')))
    .filter((m) => !params.get('tag') || m.Tag === params.get('tag'))
    .filter((m) => metadata.every(([k, v]) => m.Metadata?.[k] === v))
    .reverse();
  reply(res, 200, {
    TotalCount: found.length,
    Messages: found.slice(offset, offset + count).map((m) => ({
      MessageID: m.MessageID,
      Tag: m.Tag ?? '',
      To: m.To.split(',').map((to) => ({ Email: to.trim(), Name: null })),
      Cc: [],
      Bcc: [],
      Recipients: m.To.split(',').map((to) => to.trim()),
      ReceivedAt: m.ReceivedAt,
      From: m.From,
      Subject: m.Subject,
      Attachments: [],
      Status: 'Sent',
      TrackOpens: false,
      TrackLinks: 'None',
      Metadata: m.Metadata ?? {},
      MessageStream: m.MessageStream ?? 'outbound',
      Sandboxed: false,
    })),
  });
}

/**
 * A loopback peer speaking Postmark's `/email` API (token check, the JSON fields Cohort
 * sends, Postmark's success answer, and its error answers on demand), its Outbound
 * Messages search, and its account level `/data-removals` API.
 */
export async function startFakePostmark(
  token = `pm-${randomUUID()}`,
  accountToken = `pma-${randomUUID()}`,
): Promise<FakePostmark> {
  const queued: PostmarkFailure[] = [];
  let always: PostmarkFailure | undefined;
  const state = {
    messages: [] as PostmarkReceived[],
    requests: 0,
    searches: 0,
    dataRemovals: [] as PostmarkDataRemovalReceived[],
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'POST' && req.url === '/data-removals') return dataRemoval(req, res, accountToken, state);
      if (req.method === 'GET' && req.url?.startsWith('/messages/outbound?')) return search(req, res, token, state);
      if (req.method !== 'POST' || req.url !== '/email')
        return reply(res, 404, { ErrorCode: 404, Message: 'Not found' });
      state.requests += 1;
      const serverToken = req.headers['x-postmark-server-token'] as string | undefined;
      if (serverToken !== token)
        return reply(res, 401, { ErrorCode: 10, Message: 'Request does not contain a valid Server token.' });
      if (req.headers['content-type']?.includes('application/json') !== true)
        return reply(res, 415, { ErrorCode: 0, Message: 'JSON required' });
      const body = (await readJson(req)) as Omit<PostmarkReceived, 'serverToken' | 'MessageID' | 'ReceivedAt'>;
      const failure = queued.shift() ?? always;
      if (failure) return reply(res, FAILURES[failure].status, FAILURES[failure].body);
      if (!body.From || !body.To || !body.Subject || (!body.HtmlBody && !body.TextBody)) {
        return reply(res, 422, { ErrorCode: 300, Message: 'Invalid email request' });
      }
      const MessageID = randomUUID();
      const ReceivedAt = new Date().toISOString();
      state.messages.push({ ...body, serverToken, MessageID, ReceivedAt });
      reply(res, 200, { To: body.To, SubmittedAt: ReceivedAt, MessageID, ErrorCode: 0, Message: 'OK' });
    })().catch(() => reply(res, 400, { ErrorCode: 402, Message: 'Received invalid JSON input.' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    accountToken,
    get dataRemovals() {
      return state.dataRemovals;
    },
    get messages() {
      return state.messages;
    },
    get requests() {
      return state.requests;
    },
    get searches() {
      return state.searches;
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
