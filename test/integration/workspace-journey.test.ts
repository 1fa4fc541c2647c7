import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalDeprovisionNow } from '../../api/workflows/workspace';
import { expectProblem } from '../helpers/accounts';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { startPasswordPostgres, type PasswordPostgres } from '../helpers/password-postgres';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

/**
 * A DP student's workspace end to end: the start of project 1 provisions it, the API hands
 * out credentials that work on a password-checking PostgreSQL, and deprovisioning ends them.
 */
let server: PasswordPostgres;
let stack: TestStack;
beforeAll(async () => {
  server = await startPasswordPostgres();
  stack = await startStack({ env: { WORKSPACE_DATABASE_URL: server.url('cohort_workspaces') } });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await server?.stop();
});

const connectAs = async (connectionString: string) => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  return client;
};

async function credentialsWhenReady(token: string) {
  const seen: number[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await stack.http.as(token).get('/api/workspace/db-credentials');
    seen.push(res.status);
    if (res.status === 200) return { body: res.body, seen };
    if (res.status === 409) expectProblem(res, 409, 'conflict');
    else throw new Error(`unexpected ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('workspace never became ready');
}

async function dpStudent() {
  const student = await createTestUser(stack.knex);
  const trainer = await createTestUser(stack.knex, { role: 'trainer' });
  await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
  return student;
}

describe('DP workspaces over the API', () => {
  it('404 for a non-DP student and for a DP student before project 1; trainers are refused', async () => {
    const fsd = await createTestUser(stack.knex);
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await enrollStudent(stack.knex, { userId: fsd.user.id, trainerUserId: trainer.user.id, track: 'FSD' });
    const [first] = await trackOutline(stack.knex, 'FSD');
    expect((await stack.http.as(fsd.token).post(`/api/projects/${first!.id}/start`)).status).toBe(200);
    expectProblem(await stack.http.as(fsd.token).get('/api/workspace/db-credentials'), 404, 'not_found');
    expect(await stack.knex('workspaces').where({ userId: fsd.user.id })).toEqual([]);

    const dp = await dpStudent();
    expectProblem(await stack.http.as(dp.token).get('/api/workspace/db-credentials'), 404, 'not_found');
    expect((await stack.http.as(dp.token).get('/api/progress')).body.workspace).toBeNull();
    expect((await stack.http.as(trainer.token).get('/api/workspace/db-credentials')).status).toBe(403);
    expect((await stack.http.get('/api/workspace/db-credentials')).status).toBe(401);
  });

  it('two starts of project 1 make one workspace whose credentials work, audited, then deprovisioning ends them', async () => {
    const student = await dpStudent();
    const [first] = await trackOutline(stack.knex, 'DP');
    const as = stack.http.as(student.token);
    const starts = await Promise.all([1, 2].map(() => as.post(`/api/projects/${first!.id}/start`)));
    expect(starts.map((s) => s.status)).toEqual([200, 200]);
    expect(await stack.knex('workspaces').where({ userId: student.user.id }).count({ n: '*' })).toEqual([{ n: 1 }]);

    const { body: creds } = await credentialsWhenReady(student.token);
    const compact = student.user.id.replace(/-/g, '');
    expect(creds).toMatchObject({
      host: '127.0.0.1',
      port: server.port,
      database: 'cohort_workspaces',
      schema: `dp_student_${compact}`,
      username: `dp_student_${compact}`,
      expiresAt: expect.any(String),
    });
    expect(creds.password.length).toBeGreaterThanOrEqual(32);
    const days = (Date.parse(creds.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    // The student's own client, with the returned connection string.
    const client = await connectAs(creds.connectionString);
    await client.query('CREATE TABLE measurements (id serial primary key, value numeric)');
    await client.query('INSERT INTO measurements (value) VALUES (1.5), (2.5)');
    expect((await client.query('SELECT sum(value)::text AS sum FROM measurements')).rows).toEqual([{ sum: '4.0' }]);
    await client.end();
    const viaPsql = spawnSync('psql', [creds.connectionString, '-At', '-c', 'SELECT count(*) FROM measurements'], {
      encoding: 'utf8',
    });
    expect(viaPsql.stdout.trim()).toBe('2');

    // One workflow, its phase searchable; every read audited; the email sent after.
    const handle = stack.client.workflow.getHandle(`workspace:${student.user.id}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const audits = await stack
      .knex('audit_logs')
      .where({ userId: student.user.id, action: 'workspace.credentials_read' });
    expect(audits.length).toBeGreaterThanOrEqual(1);
    const progress = (await as.get('/api/progress')).body;
    expect(progress.workspace).toMatchObject({
      status: 'READY',
      provisionedAt: expect.any(String),
      expiresAt: creds.expiresAt,
    });

    // No plaintext password in the platform database or the workflow history.
    const dump = await stack.knex.raw(
      `SELECT (SELECT coalesce(string_agg(s::text, ' '), '') FROM secrets s) || (SELECT string_agg(w::text, ' ') FROM workspaces w) AS all`,
    );
    expect(dump.rows[0].all).not.toContain(creds.password);
    const history = await stack.historyText(handle.workflowId);
    expect(history).not.toContain(creds.password);

    await signalDeprovisionNow({ temporal: stack.client }, student.user.id);
    await handle.result();
    const refused = await connectAs(creds.connectionString).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(refused?.code).toBe('28P01');
    const admin = new pg.Client({ connectionString: server.url('cohort_workspaces') });
    await admin.connect();
    expect((await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [creds.schema])).rows).toEqual([]);
    await admin.end();
    expectProblem(await as.get('/api/workspace/db-credentials'), 404, 'not_found');
    const after = (await as.get('/api/progress')).body.workspace;
    expect(after.status).toBe('DEPROVISIONED');
    const row = await stack.knex('workspaces').where({ userId: student.user.id }).first();
    expect(row.deprovisionedAt).toBeInstanceOf(Date);
    expect(await stack.knex('secrets').where('name', 'like', `%${student.user.id}`)).toEqual([]);
    const ready = await stack.knex('email_messages').where({ userId: student.user.id, template: 'workspace-ready' });
    expect(ready).toHaveLength(1);

    // Starting again after it ran its course makes no second workspace.
    expect((await as.post(`/api/projects/${first!.id}/start`)).status).toBe(200);
    expect((await stack.knex('workspaces').where({ userId: student.user.id }).first()).status).toBe('DEPROVISIONED');
  });
});
