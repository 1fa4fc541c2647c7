import { createHash } from 'node:crypto';
import type { Config } from '../config';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A key from 64 hex characters; its id is a hash prefix, so the key itself is never stored. */
export function encryptionKey(hex: string): EncryptionKey {
  const key = Buffer.from(hex, 'hex');
  if (key.length !== 32) throw new Error('An encryption key is 32 bytes (64 hex characters).');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/**
 * COHORT_ENCRYPTION_KEY (seals everything new) and COHORT_PREVIOUS_ENCRYPTION_KEYS (still
 * open what they sealed): the one key ring the secret store and the payload codec rotate by.
 */
export function configuredKeys(config: Pick<Config, 'COHORT_ENCRYPTION_KEY' | 'COHORT_PREVIOUS_ENCRYPTION_KEYS'>): {
  current: EncryptionKey;
  previous: EncryptionKey[];
} {
  return {
    current: encryptionKey(config.COHORT_ENCRYPTION_KEY),
    previous: config.COHORT_PREVIOUS_ENCRYPTION_KEYS.map(encryptionKey),
  };
}
