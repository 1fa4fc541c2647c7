import { randomBytes } from 'node:crypto';
import { VERIFICATION_CODE_ALPHABET } from '../domain/certificates';

/** 80 bits from the CSPRNG as 16 Crockford base32 characters (the stored, normalized form). */
export function generateVerificationCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = 15; i >= 0; i--) code += VERIFICATION_CODE_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return code;
}
