import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, type Knex } from '../../lib/db/knex';
import { workspaceIdentifiers } from '../../lib/domain/workspace';
import { newWorkspacePassword } from '../../lib/workspaces/scram';
import { prepareWorkspaceDatabase } from '../../lib/workspaces/workspace-database';
import { dropWorkspaceRole, ensureWorkspaceRole } from '../../lib/workspaces/workspace-role';
import { startPasswordPostgres, type PasswordPostgres } from '../helpers/password-postgres';

/** The workspace database's isolation, seen by a student's own client on a password-checking server. */
let server: PasswordPostgres;
let admin: Knex;
beforeAll(async () => {
  server = await startPasswordPostgres();
  const maintenance = createKnex(server.url('postgres'), { max: 1 });
  await maintenance.raw('CREATE DATABASE cohort_platform');
  await maintenance.destroy();
  await prepareWorkspaceDatabase({
    workspaceUrl: server.url('cohort_workspaces'),
    platformUrl: server.url('cohort_platform'),
    platformRole: 'postgres',
  });
  admin = createKnex(server.url('cohort_workspaces'), { max: 4 });
}, 120_000);
afterAll(async () => {
  await admin?.destroy();
  await server?.stop();
});

const studentUrl = (user: string, password: string, database = 'cohort_workspaces') =>
  `postgres://${user}:${password}@127.0.0.1:${server.port}/${database}`;

async function asStudent<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { code?: string; message: string }) => error,
  );

function psql(url: string, sql: string) {
  return spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { encoding: 'utf8' });
}

async function provision() {
  const userId = randomUUID();
  const password = newWorkspacePassword();
  const names = await ensureWorkspaceRole(admin, userId, password);
  return { userId, password, ...names, url: studentUrl(names.roleName, password) };
}

describe('a student workspace on a password-checking PostgreSQL', () => {
  it('names come from the user id only, quoted; the password is long and random', () => {
    const id = randomUUID();
    expect(workspaceIdentifiers(id).schemaName).toBe(`dp_student_${id.replace(/-/g, '')}`);
    expect(() => workspaceIdentifiers('x"; DROP ROLE postgres; --')).toThrow();
    const password = newWorkspacePassword();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(newWorkspacePassword()).not.toBe(password);
  });

  it('lets the student create and query tables in their own schema (pg and psql)', async () => {
    const a = await provision();
    const rows = await asStudent(a.url, async (client) => {
      await client.query('CREATE TABLE orders (id int primary key, total numeric)');
      await client.query('INSERT INTO orders VALUES (1, 9.5), (2, 10)');
      return (await client.query('SELECT sum(total)::text AS total FROM orders')).rows;
    });
    expect(rows).toEqual([{ total: '19.5' }]);
    const viaPsql = psql(a.url, `SELECT count(*) FROM ${a.schemaName}.orders`);
    expect(viaPsql.stderr).toBe('');
    expect(viaPsql.stdout.trim()).toBe('2');
    const settings = await asStudent(a.url, async (client) => ({
      timeout: (await client.query('SHOW statement_timeout')).rows[0].statement_timeout,
      searchPath: (await client.query('SHOW search_path')).rows[0].search_path,
    }));
    expect(settings).toEqual({ timeout: '30s', searchPath: a.schemaName });
    const limit = await admin.raw(
      'SELECT rolconnlimit, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = ?',
      [a.roleName],
    );
    expect(limit.rows[0]).toEqual({ rolconnlimit: 5, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
  });

  it("refuses another student's schema, public, new schemas and the platform database", async () => {
    const a = await provision();
    const b = await provision();
    await asStudent(b.url, (client) => client.query('CREATE TABLE secrets (v text); INSERT INTO secrets VALUES (1)'));
    await asStudent(a.url, async (client) => {
      expect((await failure(client.query(`SELECT * FROM ${b.schemaName}.secrets`)))?.code).toBe('42501');
      expect((await failure(client.query('CREATE TABLE public.t (id int)')))?.code).toBe('42501');
      expect((await failure(client.query('CREATE SCHEMA mine')))?.code).toBe('42501');
      expect((await failure(client.query('CREATE TEMP TABLE t (id int)')))?.code).toBe('42501');
    });
    // The admin's objects in public stay out of reach too.
    await admin.raw('CREATE TABLE IF NOT EXISTS public.platform_note (v text)');
    await asStudent(a.url, async (client) => {
      expect((await failure(client.query('SELECT * FROM public.platform_note')))?.code).toBe('42501');
    });
    const platform = await failure(asStudent(studentUrl(a.roleName, a.password, 'cohort_platform'), async () => 1));
    expect(platform?.code).toBe('42501');
    expect(platform?.message).toMatch(/permission denied for database/);
    const maintenance = await failure(asStudent(studentUrl(a.roleName, a.password, 'postgres'), async () => 1));
    // `postgres` is the operator's to close (README); the platform database is closed by Cohort.
    expect(maintenance === undefined || maintenance.code === '42501').toBe(true);
    const viaPsql = psql(studentUrl(a.roleName, a.password, 'cohort_platform'), 'SELECT 1');
    expect(viaPsql.status).not.toBe(0);
    expect(viaPsql.stderr).toMatch(/permission denied for database/);
  });

  it('refuses a wrong password, and a re-run replaces the password (converges)', async () => {
    const a = await provision();
    expect((await failure(asStudent(studentUrl(a.roleName, 'wrong-password'), async () => 1)))?.code).toBe('28P01');
    const fresh = newWorkspacePassword();
    await ensureWorkspaceRole(admin, a.userId, fresh);
    expect((await failure(asStudent(a.url, async () => 1)))?.code).toBe('28P01');
    expect(
      await asStudent(studentUrl(a.roleName, fresh), async (c) => (await c.query('SELECT 1 AS one')).rows),
    ).toEqual([{ one: 1 }]);
  });

  it('after deprovisioning: open sessions end, no login, no schema; dropping again is fine', async () => {
    const a = await provision();
    const open = new pg.Client({ connectionString: a.url });
    open.on('error', () => undefined);
    await open.connect();
    await open.query('CREATE TABLE work (id int)');
    await dropWorkspaceRole(admin, a.userId);
    expect(await failure(open.query('SELECT 1'))).toBeDefined();
    await open.end().catch(() => undefined);
    expect((await failure(asStudent(a.url, async () => 1)))?.code).toBe('28P01');
    expect(psql(a.url, 'SELECT 1').status).not.toBe(0);
    const schema = await admin.raw('SELECT 1 FROM pg_namespace WHERE nspname = ?', [a.schemaName]);
    expect(schema.rows).toEqual([]);
    const role = await admin.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [a.roleName]);
    expect(role.rows).toEqual([]);
    await dropWorkspaceRole(admin, a.userId);
  });
});
