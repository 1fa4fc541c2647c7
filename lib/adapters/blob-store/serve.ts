import type { Readable } from 'node:stream';
import type { FsBlobStore } from './fs';
import type { LinkSigner } from './signed-links';
import { BlobNotFoundError } from './types';

export type ServedBlob =
  | { status: 200; headers: Record<string, string>; body: Readable }
  | { status: 403 | 404; title: string; detail: string };

const asciiFileName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'download';

/**
 * Answers a signed filesystem link: 403 for a bad or expired signature, 404 when the
 * signature is good but the blob is gone, else the bytes with their recorded type.
 */
export async function serveSignedBlob(
  store: FsBlobStore,
  signer: LinkSigner,
  key: string,
  query: Record<string, unknown>,
  now = Date.now(),
): Promise<ServedBlob> {
  const check = signer.verify(key, query, now);
  if (!check.ok) {
    return check.reason === 'expired'
      ? { status: 403, title: 'Link expired', detail: 'This download link has expired; ask for a new one.' }
      : { status: 403, title: 'Invalid link', detail: 'This download link is not valid.' };
  }
  try {
    const meta = await store.meta(key);
    const body = await store.get(key);
    const headers: Record<string, string> = {
      'Content-Type': meta.contentType,
      'Content-Length': String(meta.size),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    };
    const name = check.parts.fileName;
    headers['Content-Disposition'] = name
      ? `attachment; filename="${asciiFileName(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`
      : 'attachment';
    return { status: 200, headers, body };
  } catch (error) {
    if (error instanceof BlobNotFoundError) {
      return { status: 404, title: 'Not found', detail: 'There is nothing at this link any more.' };
    }
    throw error;
  }
}
