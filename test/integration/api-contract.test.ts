import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { countRows, expectProblem } from '../helpers/accounts';

/**
 * API.md's conventions checked on every documented operation at once, so an endpoint
 * added later is held to them without anyone remembering to.
 */
let stack: TestStack;
let operations: { method: string; path: string; secured: boolean }[];
const METRICS_TOKEN = 'metrics-token-for-contract-test';

/** A concrete URL for an OpenAPI path: ids become fresh UUIDs, other parameters plausible values. */
const concrete = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => ({ code: 'DP', provider: 'github' })[name] ?? randomUUID());

beforeAll(async () => {
  stack = await startStack({ worker: false, env: { METRICS_TOKEN } });
  const doc = (await stack.http.get('/api/openapi.json')).body as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      secured: Boolean(op.security?.length),
    })),
  );
});
afterAll(async () => {
  await stack?.close();
});

describe('a trailing slash is accepted on every path', () => {
  it('answers each documented operation the same with and without a trailing slash', async () => {
    expect(operations.length).toBeGreaterThan(35);
    for (const { method, path } of operations) {
      const url = concrete(path);
      const headers = path === '/metrics' ? { authorization: `Bearer ${METRICS_TOKEN}` } : undefined;
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const plain = await stack.http.request(method, url, body, headers);
      const slashed = await stack.http.request(method, `${url}/`, body, headers);
      for (const res of [plain, slashed]) {
        // The catch-all answers 'No such endpoint.'; any other answer means a route matched.
        expect(
          res.status === 404 && res.body?.detail === 'No such endpoint.',
          `${method} ${url}${res === slashed ? '/' : ''} fell through`,
        ).toBe(false);
      }
      // The docs UI redirects /api/docs to /api/docs/; everything else answers identically.
      if (path !== '/api/docs') {
        expect(slashed.status, `${method} ${url}/`).toBe(plain.status);
        expect(slashed.body?.code, `${method} ${url}/`).toBe(plain.body?.code);
      }
    }
  });
});

describe('428 consent_required after a new policy is activated', () => {
  let student: TestUser;
  let superadmin: TestUser;
  let trainer: TestUser;
  let pending: { privacyVersion: string; termsVersion: string };

  // API.md: every endpoint except /api/me, /api/policies/*, /api/auth/logout, the export and
  // the deletion endpoints. Operations open to anyone (no session needed) are not gated.
  const exempt = (path: string) =>
    path === '/api/me' ||
    path.startsWith('/api/policies/') ||
    path === '/api/auth/logout' ||
    path.startsWith('/api/accounts/export-data') ||
    path.startsWith('/api/accounts/delete-account') ||
    // Anonymization is erasure too: someone who refuses the new policy may still ask for it.
    path === '/api/accounts/anonymize' ||
    path === '/metrics';

  beforeAll(async () => {
    [student, superadmin, trainer] = await Promise.all([
      createTestUser(stack.knex),
      createTestUser(stack.knex, { role: 'superadmin' }),
      createTestUser(stack.knex, { role: 'trainer' }),
    ]);
    const current = (await stack.http.get('/api/policies/current')).body;
    const published = await stack.http.as(superadmin.token).post('/api/admin/policies', {
      kind: 'privacy',
      version: 'contract-2',
      content: 'New privacy policy.',
      effectiveDate: '2027-01-01',
      activate: true,
    });
    expect(published.status, published.text).toBe(201);
    pending = { privacyVersion: 'contract-2', termsVersion: current.terms.version };
  });

  it('gates every signed-in operation, whatever the role, and writes nothing', async () => {
    const gated = operations.filter((op) => op.secured && !exempt(op.path));
    expect(gated.map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/progress',
        'POST /api/payments/checkout',
        'GET /api/enrollment',
        'GET /api/submissions',
        'POST /api/projects/{projectId}/submissions',
        'POST /api/projects/{projectId}/start',
        'POST /api/external-resources',
        'GET /api/admin/audit-logs',
        'POST /api/admin/enroll-student',
      ]),
    );
    const before = await countRows(stack.knex, [
      'users',
      'sessions',
      'user_consents',
      'enrollments',
      'submissions',
      'external_resources',
      'student_progress',
      'trainers',
      'audit_logs',
    ]);
    for (const { method, path } of gated) {
      for (const who of [student, trainer, superadmin]) {
        const res = await stack.http
          .as(who.token)
          .request(method, concrete(path), method === 'GET' || method === 'DELETE' ? undefined : {});
        expectProblem(res, 428, 'consent_required');
        expect(res.body, `${method} ${path} as ${who.user.role}`).toMatchObject(pending);
      }
    }
    expect(
      await countRows(stack.knex, [
        'users',
        'sessions',
        'user_consents',
        'enrollments',
        'submissions',
        'external_resources',
        'student_progress',
        'trainers',
        'audit_logs',
      ]),
    ).toEqual(before);
  });

  it('keeps the exempt operations answering, and lifts the gate once accepted', async () => {
    const as = stack.http.as(student.token);
    expect((await as.get('/api/me')).status).toBe(200);
    expectProblem(await as.patch('/api/me', {}), 400, 'validation_failed');
    expect((await as.get('/api/policies/current')).status).toBe(200);
    expect((await as.post('/api/policies/accept', pending)).status).toBe(201);
    expect((await as.get('/api/progress')).status).not.toBe(428);
    // Another user is still gated; their logout still works.
    expectProblem(await stack.http.as(trainer.token).get('/api/submissions'), 428, 'consent_required');
    expect((await stack.http.as(trainer.token).post('/api/auth/logout')).status).toBe(204);
  });
});
