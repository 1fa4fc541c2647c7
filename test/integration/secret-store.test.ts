import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAwsSecretStore,
  createDbSecretStore,
  encryptionKey,
  SecretStoreError,
  workspaceSecretName,
  type SecretStore,
} from '../../lib/adapters/secret-store/index';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startMoto, type Moto } from '../helpers/moto';

/** One contract, two adapters: encrypted rows in PostgreSQL and AWS Secrets Manager (moto server). */
let db: TestDatabase;
let moto: Moto;
const key = encryptionKey(randomBytes(32).toString('hex'));
beforeAll(async () => {
  [db, moto] = await Promise.all([createTestDatabase(), startMoto()]);
}, 60_000);
afterAll(async () => {
  await Promise.allSettled([db?.drop(), moto?.stop()]);
});

const aws = () =>
  createAwsSecretStore({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

const adapters: [string, () => SecretStore][] = [
  ['db (AES-256-GCM rows)', () => createDbSecretStore(db.knex, key)],
  ['aws (Secrets Manager on moto)', aws],
];

describe.each(adapters)('secret store contract: %s', (_name, make) => {
  it('puts, gets, replaces and deletes, each idempotent', async () => {
    const store = make();
    const name = workspaceSecretName(randomUUID());
    expect(await store.get(name)).toBeUndefined();
    await store.put(name, '{"password":"first"}');
    expect(await store.get(name)).toBe('{"password":"first"}');
    await store.put(name, '{"password":"second"}');
    expect(await store.get(name)).toBe('{"password":"second"}');
    await store.delete(name);
    expect(await store.get(name)).toBeUndefined();
    await store.delete(name);
    await store.put(name, 'again');
    expect(await store.get(name)).toBe('again');
  });

  it('keeps secrets apart and survives concurrent puts of one name', async () => {
    const store = make();
    const [a, b] = [workspaceSecretName(randomUUID()), workspaceSecretName(randomUUID())];
    await Promise.all([store.put(a, 'A'), store.put(b, 'B')]);
    expect([await store.get(a), await store.get(b)]).toEqual(['A', 'B']);
    await Promise.all(['1', '2', '3'].map((v) => store.put(a, v)));
    expect(['1', '2', '3']).toContain(await store.get(a));
  });
});

describe('the db adapter', () => {
  it('stores no plaintext, binds each row to its name, and rotates keys', async () => {
    const store = createDbSecretStore(db.knex, key);
    const name = workspaceSecretName(randomUUID());
    const secret = `pw-${randomBytes(16).toString('hex')}`;
    await store.put(name, secret);
    const row = await db.knex('secrets').where({ name }).first();
    expect(row.keyId).toBe(key.id);
    expect(Buffer.from(row.ciphertext).toString('utf8')).not.toContain(secret);
    const dump = await db.knex.raw(`SELECT string_agg(t::text, ' ') AS all FROM secrets t`);
    expect(dump.rows[0].all).not.toContain(secret);

    // A row copied under another name fails authentication rather than opening.
    const other = workspaceSecretName(randomUUID());
    await db.knex('secrets').insert({ ...row, name: other });
    await expect(store.get(other)).rejects.toBeInstanceOf(SecretStoreError);
    await db.knex('secrets').where({ name: other }).delete();

    // A new key: old rows still open with the old key as previous, and rotate() re-seals them.
    const next = encryptionKey(randomBytes(32).toString('hex'));
    const rotated = createDbSecretStore(db.knex, next, [key]);
    expect(await rotated.get(name)).toBe(secret);
    expect(await rotated.rotate()).toBeGreaterThan(0);
    expect((await db.knex('secrets').where({ name }).first()).keyId).toBe(next.id);
    expect(await createDbSecretStore(db.knex, next).get(name)).toBe(secret);
    await expect(createDbSecretStore(db.knex, key).get(name)).rejects.toThrow(/No key/);
  });
});

describe('the aws adapter', () => {
  it('classifies a store it cannot reach as transient; a secret scheduled for deletion reads as none', async () => {
    const down = createAwsSecretStore({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const unreachable = await down.put(workspaceSecretName(randomUUID()), 'x').catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(SecretStoreError);
    expect((unreachable as SecretStoreError).permanent).toBe(false);
    // A secret someone scheduled for deletion (with a recovery window) refuses new values.
    const name = workspaceSecretName(randomUUID());
    await aws().put(name, 'x');
    const sdk = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await sdk.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    sdk.destroy();
    expect(await aws().get(name)).toBeUndefined();
  });
});
