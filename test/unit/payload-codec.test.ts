import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it } from 'vitest';
import { encryptionKey } from '../../lib/crypto/keys';
import {
  cohortDataConverter,
  cohortPayloadCodec,
  decodeHistory,
  encodeHistory,
  historyText,
  PayloadDecryptionError,
} from '../../lib/temporal-codec/index';
import { PROJECT_ROOT } from '../../scripts/lib/tools';

const hex = () => randomBytes(32).toString('hex');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const codecFor = (current: string, previous: string[] = []) =>
  cohortPayloadCodec({ COHORT_ENCRYPTION_KEY: current, COHORT_PREVIOUS_ENCRYPTION_KEYS: previous });
const VALUE = { userId: '4f7c1a52-0d0b-4f39-9d0e-3f1b8e2a9c11', note: 'ada@example.com' };
const plain = (): Payload => defaultPayloadConverter.toPayload(VALUE);

describe('the payload codec (AES-256-GCM)', () => {
  it('encrypts a payload into binary/encrypted with the key id, and decodes it back as it was', async () => {
    const key = hex();
    const codec = codecFor(key);
    const [sealed] = await codec.encode([plain()]);
    expect(text(sealed!.metadata!.encoding)).toBe('binary/encrypted');
    expect(text(sealed!.metadata!['encryption-key-id'])).toBe(encryptionKey(key).id);
    expect(Object.keys(sealed!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    // Neither the value nor its encoding can be read from the wire payload.
    expect(text(sealed!.data)).not.toContain('ada@example.com');
    expect(text(sealed!.data)).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(VALUE);
    expect(text(opened!.metadata!.encoding)).toBe('json/plain');
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = codecFor(hex());
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('names the key by a short hash, never by the key itself', () => {
    const key = hex();
    const { keyId } = codecFor(key);
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(key).not.toContain(keyId);
  });

  it('passes payloads that are not encrypted through unchanged', async () => {
    const codec = codecFor(hex());
    const payloads = [plain(), defaultPayloadConverter.toPayload(null), defaultPayloadConverter.toPayload('x')];
    expect(await codec.decode(payloads)).toEqual(payloads);
  });

  it('refuses tampered ciphertext, a truncated payload, a moved key id and an unknown key', async () => {
    const key = hex();
    const codec = codecFor(key);
    const [sealed] = await codec.encode([plain()]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20]! ^= 0x01;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/failed authentication/);
    await expect(codec.decode([{ ...sealed!, data: flipped.subarray(0, 10) }])).rejects.toThrow(/truncated/);
    await expect(
      codec.decode([{ ...sealed!, metadata: { encoding: sealed!.metadata!.encoding! } }]),
    ).rejects.toBeInstanceOf(PayloadDecryptionError);
    // Another configured key's id on this ciphertext: the key id is authenticated data.
    const other = hex();
    const both = codecFor(key, [other]);
    const moved = {
      ...sealed!,
      metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from(encryptionKey(other).id) },
    };
    await expect(both.decode([moved])).rejects.toThrow(/failed authentication/);
    await expect(codecFor(hex()).decode([sealed!])).rejects.toThrow(/COHORT_PREVIOUS_ENCRYPTION_KEYS/);
  });

  it('after a rotation, opens payloads sealed under a previous key and seals new ones under the new key', async () => {
    const oldKey = hex();
    const newKey = hex();
    const [old] = await codecFor(oldKey).encode([plain()]);
    const rotated = codecFor(newKey, [oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(VALUE);
    const [fresh] = await rotated.encode([plain()]);
    expect(text(fresh!.metadata!['encryption-key-id'])).toBe(encryptionKey(newKey).id);
    expect(text(old!.metadata!['encryption-key-id'])).toBe(encryptionKey(oldKey).id);
    // Once the old key is dropped from the configuration, its payloads no longer open.
    await expect(codecFor(newKey).decode([old!])).rejects.toThrow(/No configured key/);
  });

  it('derives its AES key from COHORT_ENCRYPTION_KEY rather than using it as is', async () => {
    const key = hex();
    const [sealed] = await codecFor(key).encode([plain()]);
    const { createDecipheriv } = await import('node:crypto');
    const data = Buffer.from(sealed!.data!);
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'hex'), data.subarray(0, 12));
    decipher.setAAD(sealed!.metadata!['encryption-key-id']!);
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.update(data.subarray(12, data.length - 16));
    expect(() => decipher.final()).toThrow();
  });

  it('is the one codec of cohortDataConverter', () => {
    const key = hex();
    const converter = cohortDataConverter({ COHORT_ENCRYPTION_KEY: key, COHORT_PREVIOUS_ENCRYPTION_KEYS: [] });
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.payloadCodecs[0].keyId).toBe(encryptionKey(key).id);
  });
});

describe('whole histories', () => {
  const recorded = () =>
    historyFromJSON(JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'histories', 'onboarding-1.json'), 'utf8')));

  it('encodes every codec payload of a history and decodes it back, leaving search attributes readable', async () => {
    const codec = codecFor(hex());
    const sealed = await encodeHistory(recorded(), codec);
    expect(historyText(sealed)).not.toContain('Full Stack Developer');
    const start = sealed.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(text(start.input!.payloads![0]!.metadata!.encoding)).toBe('binary/encrypted');
    // The server indexes search attributes: they never pass through a codec.
    expect(text(start.searchAttributes!.indexedFields!.CohortKind!.metadata!.encoding)).toBe('json/plain');
    // Compared in proto JSON, which leaves out empty fields (decoding spells out empty ones).
    expect(historyToJSON(await decodeHistory(sealed, codec))).toBe(historyToJSON(recorded()));
  });

  it('shows payload bytes as text (JSON.stringify alone would show them base64-encoded)', () => {
    // The track's name is only in an activity result's payload.
    expect(JSON.stringify(recorded())).not.toContain('Full Stack Developer');
    expect(historyText(recorded())).toContain('Full Stack Developer');
  });
});
