import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to blobs in the filesystem store, served by `GET /api/blobs/<key>`.
 * The HMAC key is derived (HKDF) from COHORT_ENCRYPTION_KEY, so the encryption key itself
 * never signs anything; the signature covers the key, the expiry and the download name.
 */
export interface SignedLinkParts {
  key: string;
  /** Unix milliseconds after which the link is refused. */
  expires: number;
  fileName?: string;
}

export type LinkCheck =
  { ok: true; parts: SignedLinkParts } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are ids-only relative paths: no `..`, no leading dot or slash, nothing a shell or a path join would reinterpret. */
export function isSafeBlobKey(key: string): boolean {
  return key.length > 0 && key.length <= 512 && SAFE_KEY.test(key) && !key.split('/').includes('..');
}

export function deriveLinkKey(encryptionKeyHex: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), Buffer.alloc(0), 'cohort blob download links v1', 32),
  );
}

function mac(secret: Buffer, parts: SignedLinkParts): Buffer {
  return createHmac('sha256', secret)
    .update(`${parts.key}\n${parts.expires}\n${parts.fileName ?? ''}`)
    .digest();
}

export function createLinkSigner(encryptionKeyHex: string) {
  const secret = deriveLinkKey(encryptionKeyHex);
  return {
    /** The query string (without `?`) that proves the link. */
    sign(parts: SignedLinkParts): string {
      const query = new URLSearchParams({ expires: String(parts.expires) });
      if (parts.fileName) query.set('name', parts.fileName);
      query.set('sig', mac(secret, parts).toString('base64url'));
      return query.toString();
    },
    /** Checks a request's key and query; the signature is compared in constant time before the expiry is looked at. */
    verify(key: string, query: Record<string, unknown>, now = Date.now()): LinkCheck {
      const expiresText = typeof query.expires === 'string' ? query.expires : '';
      const sigText = typeof query.sig === 'string' ? query.sig : '';
      const fileName = typeof query.name === 'string' && query.name !== '' ? query.name : undefined;
      if (!isSafeBlobKey(key) || !/^\d{1,15}$/.test(expiresText) || !/^[A-Za-z0-9_-]{43}$/.test(sigText)) {
        return { ok: false, reason: 'malformed' };
      }
      const parts: SignedLinkParts = { key, expires: Number(expiresText), fileName };
      const expected = mac(secret, parts);
      const given = Buffer.from(sigText, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'bad-signature' };
      if (parts.expires <= now) return { ok: false, reason: 'expired' };
      return { ok: true, parts };
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;
