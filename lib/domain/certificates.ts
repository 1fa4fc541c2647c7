/**
 * A certificate's verification code: 16 characters of Crockford base32 (80 random bits),
 * shown in four groups, `7KQ2-M9XD-4HBW-P3RT`. The alphabet has no I, L, O or U, and
 * a typed code is read leniently: case, dashes and spaces do not matter, and O is read
 * as 0, I and L as 1.
 */
export const VERIFICATION_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const VERIFICATION_CODE_LENGTH = 16;

/** The stored form of a typed code (16 alphabet characters), or undefined when it cannot be one. */
export function normalizeVerificationCode(input: string): string | undefined {
  const text = input.slice(0, 64).toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(text) ? text : undefined;
}

/** `XXXX-XXXX-XXXX-XXXX`, the form people read and type. */
export function formatVerificationCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

export const CERTIFICATE_STATUSES = ['VALID', 'REVOKED'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
