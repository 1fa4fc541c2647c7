import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EncryptionKey } from '../crypto/keys';

/** The metadata an encrypted payload carries (the names Temporal's samples and tools use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

// A CommonJS module: its default import is what Node's ESM loader can read, under tsx as under vitest.
const PayloadMessage = proto.temporal.api.common.v1.Payload;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = new TextEncoder();
const untext = new TextDecoder();

/** Why a payload could not be decrypted: an unknown key id, or data that fails authentication. */
export class PayloadDecryptionError extends ValueError {
  override name = 'PayloadDecryptionError';
}

/**
 * The payload key is derived (HKDF) from COHORT_ENCRYPTION_KEY, so the secret store's AES key
 * is never reused for another purpose; it keeps the root key's id, so one id names one
 * configured key wherever Cohort encrypts with it.
 */
function payloadKey(root: EncryptionKey): Buffer {
  return Buffer.from(hkdfSync('sha256', root.key, Buffer.alloc(0), 'cohort temporal payload codec v1', 32));
}

/**
 * AES-256-GCM over the whole serialized payload (its metadata included, so the encoding and
 * type of the value are hidden too), after Temporal's encryption sample: the wire payload
 * carries `encoding: binary/encrypted`, the key id, and `iv ‖ ciphertext ‖ tag` as data; the
 * key id is also the additional data, so a payload moved to another key id fails to open.
 * Encodes with the current key; decodes with any configured key, and passes a payload that
 * is not encrypted (histories recorded before the codec, search attributes) through as it is.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  readonly keyId: string;

  constructor(current: EncryptionKey, previous: EncryptionKey[] = []) {
    this.keyId = current.id;
    this.keys = new Map([current, ...previous].map((k) => [k.id, payloadKey(k)]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.open(payload));
  }

  private seal(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(text.encode(this.keyId));
    const plain = PayloadMessage.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: text.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: text.encode(this.keyId),
      },
      data,
    };
  }

  private open(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes) throw new PayloadDecryptionError('An encrypted payload names no encryption key id.');
    const keyId = untext.decode(keyIdBytes);
    const key = this.keys.get(keyId);
    if (!key)
      throw new PayloadDecryptionError(
        `No configured key has id ${keyId}: add it to COHORT_PREVIOUS_ENCRYPTION_KEYS to read payloads sealed under it.`,
      );
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('An encrypted payload is truncated.');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(keyIdBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new PayloadDecryptionError(`An encrypted payload (key ${keyId}) failed authentication.`, cause);
    }
    return PayloadMessage.decode(plain);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && untext.decode(encoding) === ENCRYPTED_ENCODING;
}
