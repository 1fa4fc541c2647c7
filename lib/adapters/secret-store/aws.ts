import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { SecretStoreError, type SecretStore } from './types';

export interface AwsSecretStoreOptions {
  region: string;
  /** SECRETS_MANAGER_ENDPOINT: moto server in tests, a VPC endpoint in production. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

// Refusals a retry will not change; throttling, 5xx and network errors are worth retrying.
const PERMANENT = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ValidationException',
  'InvalidParameterException',
  'InvalidRequestException',
  'DecryptionFailure',
]);

function classify(error: unknown): SecretStoreError {
  const name = error instanceof Error ? error.name : 'unknown';
  const permanent = error instanceof SecretsManagerServiceException && PERMANENT.has(name);
  return new SecretStoreError(`Secrets Manager: ${name}`, permanent, { cause: error });
}

/** AWS Secrets Manager: one secret per name, replaced in place, deleted without a recovery window. */
export function createAwsSecretStore(options: AwsSecretStoreOptions): SecretStore {
  const client = new SecretsManagerClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 2,
  });

  const create = async (name: string, value: string) => {
    try {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      return true;
    } catch (error) {
      if (error instanceof ResourceExistsException) return false;
      throw error;
    }
  };

  return {
    backend: 'aws',
    async put(name, value) {
      try {
        try {
          await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
          // Created by a racing put in between: replace its value.
          if (!(await create(name, value)))
            await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
        }
      } catch (error) {
        throw classify(error);
      }
    },
    async get(name) {
      try {
        const answer = await client.send(new GetSecretValueCommand({ SecretId: name }));
        return answer.SecretString;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        // A secret scheduled for deletion answers InvalidRequestException: it is gone for us.
        if (error instanceof Error && error.name === 'InvalidRequestException') return undefined;
        throw classify(error);
      }
    },
    async delete(name) {
      try {
        await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return;
        throw classify(error);
      }
    },
  };
}
