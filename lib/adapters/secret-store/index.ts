import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { createAwsSecretStore } from './aws';
import { configuredKeys } from '../../crypto/keys';
import { createDbSecretStore } from './db';
import type { SecretStore } from './types';

export * from './types';
export { createAwsSecretStore } from './aws';
export { createDbSecretStore, encryptionKey } from './db';

/** SECRETS_BACKEND: `db` (encrypted rows, the default) or `aws` (Secrets Manager). */
export function createSecretStore(config: Config, db: Db): SecretStore {
  if (config.SECRETS_BACKEND === 'aws')
    return createAwsSecretStore({ region: config.AWS_REGION, endpoint: config.SECRETS_MANAGER_ENDPOINT });
  const { current, previous } = configuredKeys(config);
  return createDbSecretStore(db, current, previous);
}
