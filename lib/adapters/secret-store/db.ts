import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../../crypto/keys';
import type { Db } from '../../db/knex';
import { SecretStoreError, type SecretStore } from './types';

export { encryptionKey, type EncryptionKey } from '../../crypto/keys';

interface SecretRow {
  name: string;
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

/**
 * The embedded default: AES-256-GCM rows in the platform database (`secrets`), sealed
 * under the current key and bound to their name (additional data), each naming its key.
 * Older keys still open their rows; `rotate()` re-seals every row under the current key.
 */
export function createDbSecretStore(
  db: Db,
  current: EncryptionKey,
  previous: EncryptionKey[] = [],
): SecretStore & {
  rotate(): Promise<number>;
} {
  const keys = new Map([current, ...previous].map((k) => [k.id, k.key]));

  const seal = (name: string, value: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(name));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { name, keyId: current.id, iv, ciphertext, authTag: cipher.getAuthTag() };
  };
  const open = (row: SecretRow): string => {
    const key = keys.get(row.keyId);
    if (!key) throw new SecretStoreError(`No key ${row.keyId} to open secret rows with.`, true);
    const decipher = createDecipheriv('aes-256-gcm', key, row.iv);
    decipher.setAAD(Buffer.from(row.name));
    decipher.setAuthTag(row.authTag);
    try {
      return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new SecretStoreError('A secret row failed authentication.', true, { cause });
    }
  };
  const put = async (name: string, value: string) => {
    await db('secrets')
      .insert(seal(name, value))
      .onConflict('name')
      .merge(['keyId', 'iv', 'ciphertext', 'authTag', 'updatedAt']);
  };

  return {
    backend: 'db',
    put,
    async get(name) {
      const row: SecretRow | undefined = await db('secrets').where({ name }).first();
      return row ? open(row) : undefined;
    },
    async delete(name) {
      await db('secrets').where({ name }).delete();
    },
    async rotate() {
      const stale: SecretRow[] = await db('secrets').whereNot({ keyId: current.id });
      for (const row of stale) await put(row.name, open(row));
      return stale.length;
    },
  };
}
