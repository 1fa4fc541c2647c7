import { AccountClient, Errors, ServerClient } from 'postmark';
import { PermanentEmailError, type EmailSender, type OutgoingEmail } from './types';

export interface PostmarkOptions {
  serverToken: string;
  /** Overrides https://api.postmarkapp.com (a loopback peer in tests). */
  apiBase?: string;
  messageStream: string;
  /** Seconds before a request is abandoned (and retried by the activity). */
  timeoutSeconds?: number;
}

/** Postmark's ErrorCodes that no retry can fix: 300 invalid email request, 406 inactive recipient. */
const PERMANENT_422_CODES = new Set([300, 406]);

function clientOptions(options: Pick<PostmarkOptions, 'apiBase' | 'timeoutSeconds'>) {
  const timeout = options.timeoutSeconds ?? 15;
  if (!options.apiBase) return { timeout };
  const url = new URL(options.apiBase);
  // The client builds `${scheme}://${requestHost}${path}`, so a base path rides on the host.
  const host = `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { useHttps: url.protocol === 'https:', requestHost: host, timeout };
}

/** The Metadata field carrying a message's idempotency key. */
export const KEY_METADATA = 'cohort_key';

/**
 * Sends through Postmark's `/email` API; one Tag per template, one message stream. Postmark
 * takes no idempotency key, so the key rides as Metadata and `findSent` searches for it.
 */
export function createPostmarkSender(options: PostmarkOptions): EmailSender {
  const client = new ServerClient(options.serverToken, clientOptions(options));
  return {
    name: 'postmark',
    async send(message: OutgoingEmail) {
      try {
        const response = await client.sendEmail({
          From: message.from,
          To: message.to,
          Subject: message.subject,
          HtmlBody: message.html,
          TextBody: message.text,
          Tag: message.template,
          MessageStream: message.messageStream ?? options.messageStream,
          TrackOpens: false,
          Headers: [{ Name: 'X-Cohort-Idempotency-Key', Value: message.idempotencyKey }],
          // Searchable (Outbound Messages API, metadata_ filter): how a retry finds what a dead attempt sent.
          Metadata: { [KEY_METADATA]: message.idempotencyKey },
        });
        return { providerMessageId: response.MessageID };
      } catch (error) {
        throw classifyPostmarkError(error);
      }
    },
    async findSent(idempotencyKey) {
      try {
        const found = await client.getOutboundMessages({
          count: 1,
          offset: 0,
          [`metadata_${KEY_METADATA}`]: idempotencyKey,
        });
        const message = found.Messages[0];
        return message ? { providerMessageId: message.MessageID } : undefined;
      } catch (error) {
        throw classifyPostmarkError(error);
      }
    },
  };
}

// Postmark quotes recipients in its messages ("Found inactive addresses: …"); these messages
// travel on into Temporal failures, worker logs and email_messages.error.
const withoutAddresses = (text: string) => text.replace(/[^\s@:,;<>()"']+@[^\s@:,;<>()"']+/g, '[address]');

/** 422 with a permanent ErrorCode → PermanentEmailError; everything else (429, 5xx, network) stays retryable. */
export function classifyPostmarkError(error: unknown): unknown {
  if (error instanceof Errors.PostmarkError && error.statusCode === 422 && PERMANENT_422_CODES.has(error.code)) {
    return new PermanentEmailError(
      `Postmark rejected the message (ErrorCode ${error.code}): ${withoutAddresses(error.message)}`,
      error.code,
      error.statusCode,
    );
  }
  if (error instanceof Errors.PostmarkError) {
    return new Error(
      `Postmark request failed (HTTP ${error.statusCode}, ErrorCode ${error.code}): ${withoutAddresses(error.message)}`,
    );
  }
  return error;
}

/** Postmark's Data Removal API (account level): removes what Postmark keeps about one address. */
export interface PostmarkDataRemoval {
  /** Asks for the removal; answers Postmark's id for it and its status (Pending, Done). */
  request(input: { requestedBy: string; requestedFor: string }): Promise<{ id: string; status: string }>;
}

export function createPostmarkDataRemoval(options: {
  accountToken: string;
  apiBase?: string;
  timeoutSeconds?: number;
}): PostmarkDataRemoval {
  const client = new AccountClient(options.accountToken, clientOptions(options));
  return {
    async request({ requestedBy, requestedFor }) {
      try {
        const answer = await client.requestDataRemoval({
          RequestedBy: requestedBy,
          RequestedFor: requestedFor,
          NotifyWhenCompleted: true,
        });
        return { id: String(answer.ID), status: String(answer.Status) };
      } catch (error) {
        throw classifyPostmarkError(error);
      }
    },
  };
}
