/**
 * Where credentials Cohort hands out (workspace passwords) live: never in clear in the
 * platform database, the logs or a workflow history. Every method is idempotent.
 */
export interface SecretStore {
  readonly backend: 'db' | 'aws';
  /** Creates or replaces the secret. */
  put(name: string, value: string): Promise<void>;
  /** The secret, or undefined when there is none. */
  get(name: string): Promise<string | undefined>;
  /** Removes the secret; nothing to remove is fine. */
  delete(name: string): Promise<void>;
}

/** A store failure; `permanent` ones (refused, misconfigured) are not worth retrying. */
export class SecretStoreError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretStoreError';
  }
}

/** The secret holding one student's workspace credentials. */
export const workspaceSecretName = (userId: string) => `cohort/workspace/${userId}`;
