import { startPrivatePostgres } from './embedded-postgres';

export interface PasswordPostgres {
  /** The superuser's URL for `database`. */
  url(database: string): string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL that checks passwords (scram-sha-256 for every connection): the
 * shared local server trusts loopback, so it cannot show that a wrong or dropped password
 * is refused.
 */
export async function startPasswordPostgres(): Promise<PasswordPostgres> {
  const server = await startPrivatePostgres({ authMethod: 'scram-sha-256', password: 'admin-secret' });
  return { port: server.port, url: server.url, stop: server.destroy };
}
