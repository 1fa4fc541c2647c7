import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyFromJSON, payloadToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encryptionKey } from '../../lib/crypto/keys';
import { decodeHistory, encodeHistory, historyText } from '../../lib/temporal-codec/index';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { expectProblem, signUpOverHttp } from '../helpers/accounts';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';

/**
 * Every Temporal payload Cohort writes is AES-256-GCM ciphertext: a real workflow's raw
 * history, read without the codec, shows only `binary/encrypted` payloads and nothing
 * personal; with the codec (the stack's, or the admin codec endpoint the Temporal UI calls)
 * it reads back. The endpoint speaks Temporal's remote codec protocol, admins only, with
 * the CORS the UI needs.
 */
let stack: TestStack;
let codecless: Client;
let connection: Connection;
let admin: TestUser;
let student: TestUser;
const UI_ORIGIN = 'http://localhost:8233';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

beforeAll(async () => {
  stack = await startStack({ env: { TEMPORAL_UI_URL: `${UI_ORIGIN}/` } });
  connection = await Connection.connect({ address: stack.config.TEMPORAL_ADDRESS });
  codecless = new Client({ connection, namespace: stack.config.TEMPORAL_NAMESPACE });
  admin = await createTestUser(stack.knex, { role: 'admin' });
  student = await createTestUser(stack.knex);
});
afterAll(async () => {
  await connection?.close();
  await stack?.close();
});

/**
 * Every payload a codec handles: not search attributes or headers, nor the patch markers the
 * SDK's core writes itself (they hold a patch's name).
 */
function codecPayloads(node: unknown, found: Payload[] = []): Payload[] {
  if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return found;
  for (const [key, value] of Object.entries(node)) {
    if (['searchAttributes', 'header', 'patch-data'].includes(key) || typeof value !== 'object' || value === null)
      continue;
    if ((value as Payload).metadata?.encoding) found.push(value as Payload);
    else codecPayloads(value, found);
  }
  return found;
}
const encodingOf = (p: Payload) => Buffer.from(p.metadata!.encoding!).toString('utf8');

describe('a workflow run through the stack', () => {
  let workflowId: string;
  let raw: History;
  let person: { email: string; userId: string };

  beforeAll(async () => {
    // Sign-up starts the verify-email workflow (account-email), as a user would.
    const signed = await signUpOverHttp(stack.http, { fullName: 'Grace Brewster Hopper' });
    person = { email: signed.email, userId: signed.user.id };
    workflowId = `account-email:${person.userId}:verify-email:1`;
    expect(await stack.client.workflow.getHandle(workflowId).result()).toEqual({
      purpose: 'verify-email',
      emailStatus: 'STORED',
    });
    raw = await codecless.workflow.getHandle(workflowId).fetchHistory();
  });

  it('leaves only binary/encrypted payloads, under the current key id, in the raw history', () => {
    const payloads = codecPayloads(raw);
    // Input, activity inputs and results, the workflow result.
    expect(payloads.length).toBeGreaterThanOrEqual(4);
    expect(new Set(payloads.map(encodingOf))).toEqual(new Set(['binary/encrypted']));
    const keyIds = new Set(payloads.map((p) => Buffer.from(p.metadata!['encryption-key-id']!).toString('utf8')));
    expect(keyIds).toEqual(new Set([encryptionKey(stack.config.COHORT_ENCRYPTION_KEY).id]));
    const text = historyText(raw);
    for (const secret of [person.email, 'Grace Brewster Hopper', 'verify-email"', 'STORED'])
      expect(text).not.toContain(secret);
  });

  it('cannot be read by a client without the codec', async () => {
    await expect(codecless.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);
  });

  it('decodes with the codec: ids only, no personal data', async () => {
    const decoded = historyText(await stack.decodedHistory(workflowId));
    expect(decoded).toContain(`\\"userId\\":\\"${person.userId}\\"`);
    expect(decoded).toContain('STORED');
    expect(decoded).not.toContain(person.email);
    expect(decoded).not.toContain('Grace Brewster Hopper');
  });

  it('decodes through the admin codec endpoint as the Temporal UI would', async () => {
    const input = raw.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const res = await stack.http
      .as(admin.token)
      .post(
        '/api/temporal-codec/decode',
        { payloads: input.map(payloadToJSON) },
        { 'x-namespace': stack.config.TEMPORAL_NAMESPACE, origin: UI_ORIGIN },
      );
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const [payload] = res.body.payloads as Array<{ metadata: Record<string, string>; data: string }>;
    expect(unb64(payload!.metadata.encoding!)).toBe('json/plain');
    expect(JSON.parse(unb64(payload!.data))).toMatchObject({ userId: person.userId, purpose: 'verify-email' });
    // The same through decodeHistory and the stack's codec.
    const viaCodec = await decodeHistory(
      await codecless.workflow.getHandle(workflowId).fetchHistory(),
      stack.dataConverter.payloadCodecs[0],
    );
    expect(res.body.payloads).toEqual(
      viaCodec.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!.map(payloadToJSON),
    );
  });
});

describe('POST /api/temporal-codec/{encode,decode}', () => {
  const plain = { metadata: { encoding: b64('json/plain') }, data: b64('{"userId":"u-1"}') };

  it('encodes and decodes a round trip for an admin, and audits both', async () => {
    const as = stack.http.as(admin.token);
    const encoded = await as.post('/api/temporal-codec/encode', { payloads: [plain] }, { 'x-namespace': 'default' });
    expect(encoded.status, encoded.text).toBe(200);
    const [sealed] = encoded.body.payloads;
    expect(unb64(sealed.metadata.encoding)).toBe('binary/encrypted');
    expect(unb64(sealed.metadata['encryption-key-id'])).toBe(encryptionKey(stack.config.COHORT_ENCRYPTION_KEY).id);
    expect(unb64(sealed.data)).not.toContain('u-1');
    const decoded = await as.post(
      '/api/temporal-codec/decode',
      { payloads: [sealed, plain] },
      { 'x-namespace': 'default' },
    );
    expect(decoded.status, decoded.text).toBe(200);
    // A payload that is not encrypted passes through.
    expect(decoded.body).toEqual({ payloads: [plain, plain] });
    const rows = await stack
      .knex('audit_logs')
      .where({ actorId: admin.user.id })
      .whereIn('action', ['temporal.payloads_encoded', 'temporal.payloads_decoded'])
      .orderBy('id');
    expect(rows.map((r) => [r.action, r.outcome, r.resource, r.details.payloads])).toEqual(
      expect.arrayContaining([
        ['temporal.payloads_encoded', 'success', 'temporal-namespace:default', 1],
        ['temporal.payloads_decoded', 'success', 'temporal-namespace:default', 2],
      ]),
    );
  });

  it('accepts the session cookie, as the UI sends it with "include cross-origin credentials"', async () => {
    const res = await stack.http.post(
      '/api/temporal-codec/decode',
      { payloads: [plain] },
      { cookie: `cohort_session=${admin.token}`, origin: UI_ORIGIN },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('answers 401 to anyone not signed in and 403 to a signed-in non-admin, with the CORS headers', async () => {
    for (const action of ['decode', 'encode']) {
      const anonymous = await stack.http.post(
        `/api/temporal-codec/${action}`,
        { payloads: [plain] },
        { origin: UI_ORIGIN },
      );
      expectProblem(anonymous, 401, 'unauthenticated');
      // The UI can read the refusal (and show it) only with the CORS headers on it.
      expect(anonymous.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expectProblem(
        await stack.http.as(student.token).post(`/api/temporal-codec/${action}`, { payloads: [plain] }),
        403,
        'forbidden',
      );
    }
    const refused = await stack.knex('audit_logs').where({ actorId: student.user.id, outcome: 'failure' });
    expect(refused.map((r) => r.action).sort()).toEqual(['temporal.payloads_decoded', 'temporal.payloads_encoded']);
  });

  it("answers the UI's CORS preflight for its origin only", async () => {
    const preflight = (origin: string) =>
      stack.http.request('OPTIONS', '/api/temporal-codec/decode', undefined, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.split(',').sort()).toEqual([
      'authorization',
      'content-type',
      'x-namespace',
    ]);
    const stranger = await preflight('https://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const strangerPost = await stack.http
      .as(admin.token)
      .post('/api/temporal-codec/decode', { payloads: [plain] }, { origin: 'https://evil.example' });
    expect(strangerPost.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 400 problem+json to a malformed body or a payload that fails authentication', async () => {
    const as = stack.http.as(admin.token);
    const bad = [
      {},
      { payloads: 'nope' },
      { payloads: [{ metadata: { encoding: 'not base64!' }, data: b64('x') }] },
      { payloads: [{ metadata: { encoding: b64('json/plain') }, data: 12 }] },
      { payloads: [plain], extra: true },
    ];
    for (const body of bad) expectProblem(await as.post('/api/temporal-codec/decode', body), 400, 'validation_failed');
    expectProblem(
      await as.post('/api/temporal-codec/decode', { payloads: [plain] }, { 'x-namespace': 'n'.repeat(256) }),
      400,
      'validation_failed',
    );

    const [sealed] = (await as.post('/api/temporal-codec/encode', { payloads: [plain] })).body.payloads;
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    const tampered = { ...sealed, data: bytes.toString('base64') };
    const res = await as.post('/api/temporal-codec/decode', { payloads: [plain, tampered] });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([{ path: 'payloads.1', message: expect.stringMatching(/failed authentication/) }]);
    const unknownKey = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': b64(randomUUID()) } };
    const unknown = await as.post('/api/temporal-codec/decode', { payloads: [unknownKey] });
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body.errors[0].message).toMatch(/COHORT_PREVIOUS_ENCRYPTION_KEYS/);
  });
});

describe('the replayer', () => {
  it('decodes an encrypted history with the codec, and cannot replay it without', async () => {
    // A recorded deletion: patches and local activities (markers the SDK core writes itself) besides activities.
    const file = join(PROJECT_ROOT, 'test', 'histories', 'accountDeletion-1.json');
    const [codec] = stack.dataConverter.payloadCodecs;
    const encrypted = await encodeHistory(historyFromJSON(JSON.parse(readFileSync(file, 'utf8'))), codec);
    expect(historyText(encrypted)).toContain('binary/encrypted');
    const workflowBundle = { codePath: inject('workflowBundlePath') };
    await Worker.runReplayHistory({ workflowBundle, dataConverter: stack.dataConverter }, encrypted, 'with-codec');
    await expect(Worker.runReplayHistory({ workflowBundle }, encrypted, 'without-codec')).rejects.toThrow();
  });
});
