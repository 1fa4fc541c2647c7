import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outboxFileName } from '../../lib/adapters/email/index';

/*
 * Reads the dev outbox (<DATA_DIR>/outbox/*.eml) the way a developer's mail client
 * would: for the demo and tests, which take account links from the delivered message,
 * never from the database.
 */

/** A message the dev outbox wrote, decoded. */
export interface OutboxMessage {
  file: string;
  headers: Record<string, string>;
  text: string;
  html: string;
}

function splitHead(block: string): { headers: Record<string, string>; body: string } {
  const at = block.indexOf('\r\n\r\n');
  const head = at < 0 ? block : block.slice(0, at);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: at < 0 ? '' : block.slice(at + 4) };
}

function decode(body: string, encoding = '7bit'): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Parses the multipart/alternative message the outbox writes (one text and one HTML part). */
export function parseEml(file: string): OutboxMessage {
  const { headers, body } = splitHead(readFileSync(file, 'utf8'));
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  const message: OutboxMessage = { file, headers, text: '', html: '' };
  if (!boundary) throw new Error(`${file} is not multipart`);
  for (const part of body.split(`--${boundary}`).slice(1, -1)) {
    const { headers: partHeaders, body: partBody } = splitHead(part.replace(/^\r\n/, ''));
    const content = decode(partBody.replace(/\r\n$/, ''), partHeaders['content-transfer-encoding']).replace(
      /\r\n/g,
      '\n',
    );
    if (partHeaders['content-type']?.startsWith('text/plain')) message.text = content;
    if (partHeaders['content-type']?.startsWith('text/html')) message.html = content;
  }
  return message;
}

export const outboxDir = (dataDir: string) => join(dataDir, 'outbox');

/** The .eml file of the message with this idempotency key, once the outbox wrote it. */
export function readOutboxMessage(dataDir: string, idempotencyKey: string): OutboxMessage {
  return parseEml(join(outboxDir(dataDir), outboxFileName(idempotencyKey)));
}

/** Every message in the outbox. */
export function listOutbox(dataDir: string): OutboxMessage[] {
  const dir = outboxDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => parseEml(join(dir, f)));
}

/** The outbox messages of one template to one address (as the worker delivers them). */
export function outboxMessagesTo(dataDir: string, to: string, template: string): OutboxMessage[] {
  return listOutbox(dataDir).filter(
    (m) => m.headers.to?.toLowerCase() === to.toLowerCase() && m.headers['x-cohort-template'] === template,
  );
}

/** The token of a `<page>#token=…` link in a message's text. */
export function linkToken(text: string, page: string): string | undefined {
  return new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`).exec(text)?.[1];
}
