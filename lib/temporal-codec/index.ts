import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { configuredKeys } from '../crypto/keys';
import { AesGcmPayloadCodec } from './codec';

export { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError, isEncrypted } from './codec';
export { decodeHistory, encodeHistory, historyText } from './history';

export type CodecConfig = Pick<Config, 'COHORT_ENCRYPTION_KEY' | 'COHORT_PREVIOUS_ENCRYPTION_KEYS'>;

/** The payload codec under COHORT_ENCRYPTION_KEY, still opening COHORT_PREVIOUS_ENCRYPTION_KEYS. */
export function cohortPayloadCodec(config: CodecConfig): AesGcmPayloadCodec {
  const { current, previous } = configuredKeys(config);
  return new AesGcmPayloadCodec(current, previous);
}

/**
 * The data converter of every Temporal client and worker Cohort creates: default JSON
 * payloads, then AES-256-GCM. Node-side only (a worker's codec runs outside the workflow
 * sandbox, so it goes in Worker options, never in the bundle).
 */
export function cohortDataConverter(config: CodecConfig): DataConverter & { payloadCodecs: [AesGcmPayloadCodec] } {
  return { payloadCodecs: [cohortPayloadCodec(config)] };
}
