import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser, type TestUser } from '../helpers/users';
import { countRows, expectProblem, signUpOverHttp, uniqueEmail, waitForAudit } from '../helpers/accounts';

const run = promisify(execFile);
let stack: TestStack;
let superadmin: TestUser;
let admin: TestUser;
let trainer: TestUser;
let student: TestUser;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  [superadmin, admin, trainer, student] = await Promise.all([
    createTestUser(stack.knex, { role: 'superadmin' }),
    createTestUser(stack.knex, { role: 'admin' }),
    createTestUser(stack.knex, { role: 'trainer' }),
    createTestUser(stack.knex, { role: 'student' }),
  ]);
});
afterAll(async () => {
  await stack?.close();
});

describe('role guards', () => {
  it('lets admin and superadmin into admin endpoints, refuses students, trainers and strangers', async () => {
    for (const who of [admin, superadmin])
      expect((await stack.http.as(who.token).get('/api/admin/audit-logs')).status).toBe(200);
    for (const who of [student, trainer])
      expectProblem(await stack.http.as(who.token).get('/api/admin/audit-logs'), 403, 'forbidden');
    expectProblem(await stack.http.get('/api/admin/audit-logs'), 401, 'unauthenticated');
    expectProblem(await stack.http.as('x'.repeat(43)).get('/api/admin/audit-logs'), 401, 'unauthenticated');
    const before = await countRows(stack.knex, ['users', 'privacy_policies', 'trainers']);
    expectProblem(
      await stack.http
        .as(student.token)
        .post('/api/admin/users', { email: uniqueEmail(), fullName: 'X', role: 'student' }),
      403,
      'forbidden',
    );
    expectProblem(
      await stack.http.as(trainer.token).post('/api/admin/policies', {
        kind: 'privacy',
        version: 'v-x',
        content: 'x',
        effectiveDate: '2027-01-01',
        activate: true,
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await stack.http.as(student.token).post('/api/admin/trainers', { userId: student.user.id, tracks: ['DP'] }),
      403,
      'forbidden',
    );
    expectProblem(
      await stack.http.as(student.token).post(`/api/admin/users/${student.user.id}/legal-hold`, { reason: 'x' }),
      403,
      'forbidden',
    );
    expect(await countRows(stack.knex, ['users', 'privacy_policies', 'trainers'])).toEqual(before);
    // The student made three refused admin calls; their audit writes land after the answers, in any order.
    const refused = await waitForAudit(
      () => stack.knex('audit_logs').where({ actorId: student.user.id, outcome: 'failure' }),
      (rows) => rows.length >= 3,
    );
    expect(refused.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(['admin.user_created', 'admin.legal_hold_placed']),
    );
  });
});

describe('admin users and trainers', () => {
  it('creates users; only a superadmin creates admins; users without a password must set one', async () => {
    const created = await stack.http
      .as(admin.token)
      .post('/api/admin/users', { email: uniqueEmail('made'), fullName: 'Made By Admin', role: 'student' });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ role: 'student', privacyAccepted: false, enrollment: null });
    const row = await stack.knex('users').where({ id: created.body.id }).first();
    expect(row).toMatchObject({ mustSetPassword: true, passwordHash: null });

    const before = await countRows(stack.knex, ['users']);
    for (const role of ['admin', 'superadmin']) {
      expectProblem(
        await stack.http.as(admin.token).post('/api/admin/users', { email: uniqueEmail(), fullName: 'Would Be', role }),
        403,
        'forbidden',
      );
    }
    expect(await countRows(stack.knex, ['users'])).toEqual(before);
    const email = uniqueEmail('newadmin');
    const newAdmin = await stack.http
      .as(superadmin.token)
      .post('/api/admin/users', { email, fullName: 'New Admin', role: 'admin', password: 'a strong password' });
    expect(newAdmin.status, newAdmin.text).toBe(201);
    expect((await stack.knex('users').where({ id: newAdmin.body.id }).first()).mustSetPassword).toBe(false);
    // They sign in, then must accept the policies before anything else.
    const login = await stack.http.post('/api/auth/login', { email, password: 'a strong password' });
    expect(login.status).toBe(200);
    expectProblem(await stack.http.as(login.body.token).get('/api/admin/audit-logs'), 428, 'consent_required');
    expectProblem(
      await stack.http
        .as(admin.token)
        .post('/api/admin/users', { email: email.toUpperCase(), fullName: 'Dup', role: 'student' }),
      409,
      'conflict',
    );
  });

  it('makes a trainer (default 20 students), refuses duplicates, unknown users and more than 20', async () => {
    const { user } = await createTestUser(stack.knex);
    const res = await stack.http
      .as(admin.token)
      .post('/api/admin/trainers', { userId: user.id, tracks: ['DP', 'FSD'] });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ userId: user.id, tracks: ['DP', 'FSD'], maxStudents: 20, active: true });
    expect((await stack.knex('users').where({ id: user.id }).first()).role).toBe('trainer');
    expectProblem(
      await stack.http.as(admin.token).post('/api/admin/trainers', { userId: user.id, tracks: ['DP'] }),
      409,
      'conflict',
    );
    expectProblem(
      await stack.http
        .as(admin.token)
        .post('/api/admin/trainers', { userId: '00000000-0000-4000-8000-000000000000', tracks: ['DP'] }),
      404,
      'not_found',
    );
    const other = await createTestUser(stack.knex);
    expectProblem(
      await stack.http
        .as(admin.token)
        .post('/api/admin/trainers', { userId: other.user.id, tracks: ['DP'], maxStudents: 21 }),
      400,
      'validation_failed',
    );
    const five = await stack.http
      .as(admin.token)
      .post('/api/admin/trainers', { userId: other.user.id, tracks: ['FSD'], maxStudents: 5 });
    expect(five.body.maxStudents).toBe(5);
  });

  it('places and lifts a legal hold, audited with ids only', async () => {
    const { user } = await createTestUser(stack.knex);
    const hold = await stack.http
      .as(admin.token)
      .post(`/api/admin/users/${user.id}/legal-hold`, { reason: 'Litigation 2026-17, keep records' });
    expect(hold.status, hold.text).toBe(200);
    expect(hold.body).toMatchObject({
      userId: user.id,
      legalHold: true,
      legalHoldReason: 'Litigation 2026-17, keep records',
    });
    expect((await stack.knex('users').where({ id: user.id }).first()).legalHold).toBe(true);
    const lift = await stack.http.as(admin.token).delete(`/api/admin/users/${user.id}/legal-hold`);
    expect(lift.status).toBe(200);
    expect(lift.body).toMatchObject({ legalHold: false, legalHoldReason: null, legalHoldAt: null });
    expectProblem(
      await stack.http
        .as(admin.token)
        .post('/api/admin/users/00000000-0000-4000-8000-000000000000/legal-hold', { reason: 'x' }),
      404,
      'not_found',
    );
    const entries = await waitForAudit(
      () =>
        stack
          .knex('audit_logs')
          .where({ userId: user.id })
          .whereIn('action', ['admin.legal_hold_placed', 'admin.legal_hold_lifted'])
          .orderBy('id'),
      (rows) => rows.length === 2,
    );
    expect(
      entries.map((e: { action: string; actorId: string; resource: string }) => [e.action, e.actorId, e.resource]),
    ).toEqual([
      ['admin.legal_hold_placed', admin.user.id, `user:${user.id}`],
      ['admin.legal_hold_lifted', admin.user.id, `user:${user.id}`],
    ]);
  });
});

describe('audit log', () => {
  it('filters by user, action and time, and paginates with limit ≤ 200', async () => {
    const { user, password, email } = await signUpOverHttp(stack.http);
    await stack.http.post('/api/auth/login', { email, password });
    await stack.http.post('/api/auth/login', { email, password: 'wrong password!' });
    await waitForAudit(
      () => stack.knex('audit_logs').where({ userId: user.id }),
      (rows) => rows.length === 3,
    );
    const as = stack.http.as(admin.token);
    const mine = await as.get(`/api/admin/audit-logs?userId=${user.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i: { action: string; outcome: string }) => `${i.action}:${i.outcome}`)).toEqual([
      'auth.login:failure',
      'auth.login:success',
      'auth.signup:success',
    ]);
    const logins = await as.get(`/api/admin/audit-logs?userId=${user.id}&action=auth.login`);
    expect(logins.body.items).toHaveLength(2);
    const future = await as.get(
      `/api/admin/audit-logs?userId=${user.id}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(future.body.items).toHaveLength(0);
    const past = await as.get(
      `/api/admin/audit-logs?userId=${user.id}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(past.body.items).toHaveLength(3);

    const page1 = await as.get('/api/admin/audit-logs?limit=2');
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextBefore).toBe(page1.body.items[1].id);
    const page2 = await as.get(`/api/admin/audit-logs?limit=2&before=${page1.body.nextBefore}`);
    expect(page2.body.items[0].id).toBeLessThan(page1.body.items[1].id);
    for (const bad of [
      'limit=201',
      'limit=0',
      'limit=abc',
      'userId=nope',
      'from=yesterday',
      "action=x'%20OR%201=1--",
      'unknown=1',
      `action=${'a'.repeat(101)}`,
    ]) {
      expectProblem(await as.get(`/api/admin/audit-logs?${bad}`), 400, 'validation_failed');
    }
  });

  it('never stores a password, token, email, name or request body', async () => {
    const secretPassword = 'SecretPassw0rd-Unique-7731';
    const name = 'Zebulon Quixotic-Audit';
    const { email, token, user } = await signUpOverHttp(stack.http, {
      password: secretPassword,
      fullName: name,
      marketingConsent: true,
    });
    const login = await stack.http.post('/api/auth/login', { email, password: secretPassword });
    await stack.http.post('/api/auth/login', { email, password: `${secretPassword}-wrong` });
    await stack.http.as(token).patch('/api/me', { marketingConsent: false, fullName: `${name} Jr` });
    await stack.http.as(admin.token).post(`/api/admin/users/${user.id}/legal-hold`, { reason: 'Hold-Reason-Text-991' });
    await stack.http
      .as(admin.token)
      .post('/api/admin/users', { email: `x-${email}`, fullName: name, role: 'student', password: secretPassword });
    await stack.http.as(login.body.token).post('/api/auth/logout');

    const rows = await waitForAudit(
      () => stack.knex('audit_logs').select('*'),
      (all) => all.some((r) => r.action === 'auth.logout' && r.userId === user.id),
    );
    const dump = JSON.stringify(rows);
    expect(rows.length).toBeGreaterThan(6);
    for (const needle of [
      secretPassword,
      token,
      login.body.token,
      email,
      email.split('@')[0],
      name,
      'Hold-Reason-Text-991',
      'argon2',
    ]) {
      expect(dump).not.toContain(needle);
    }
    const actions = new Set(
      rows.filter((r: { userId: string }) => r.userId === user.id).map((r: { action: string }) => r.action),
    );
    for (const action of [
      'auth.signup',
      'auth.login',
      'auth.logout',
      'consent.withdrawn',
      'profile.updated',
      'admin.legal_hold_placed',
    ])
      expect(actions).toContain(action);
  });
});

describe('npm run create-admin', () => {
  it('creates a superadmin; an existing account changes only with --promote', async () => {
    const email = uniqueEmail('root');
    const env = { ...process.env, DATABASE_URL: stack.db.url, LOG_LEVEL: 'silent' };
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const createAdmin = (...args: string[]) =>
      run(tsx, ['scripts/create-admin.ts', ...args], { env }).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const first = await createAdmin('--email', email, '--password', 'first password 1');
    expect(first.stdout).toMatch(/superadmin created: [0-9a-f-]{36}/);
    expect((await stack.knex('users').whereRaw('lower(email) = ?', [email]).first()).emailVerifiedAt).toBeInstanceOf(
      Date,
    );

    // Running it again is refused (another account may hold the address) and changes nothing.
    const again = await createAdmin('--email', email.toUpperCase(), '--password', 'second password 2');
    expect((again as { code: number }).code).toBe(1);
    expect((again as { stderr: string }).stderr).toMatch(/exists already; pass --promote/);
    expect((await stack.http.post('/api/auth/login', { email, password: 'first password 1' })).status).toBe(200);

    const promoted = await createAdmin('--email', email.toUpperCase(), '--password', 'second password 2', '--promote');
    expect(promoted.stdout).toMatch(/superadmin promoted/);
    const rows = await stack.knex('users').whereRaw('lower(email) = ?', [email]);
    expect(rows).toHaveLength(1);
    expect(rows[0].role).toBe('superadmin');
    expect((await stack.http.post('/api/auth/login', { email, password: 'first password 1' })).status).toBe(401);
    expect((await stack.http.post('/api/auth/login', { email, password: 'second password 2' })).status).toBe(200);

    const bad = await createAdmin('--email', 'not-an-email', '--password', 'short');
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/usage/);
  });
});

// Last: activating new versions puts every other user behind 428.
describe('policy publishing', () => {
  it('publishes drafts without changing the active version, refuses a duplicate version, keeps one active under concurrency', async () => {
    const as = stack.http.as(superadmin.token);
    const activeBefore = (await stack.http.get('/api/policies/current/')).body.privacy.version;
    const draft = await as.post('/api/admin/policies', {
      kind: 'privacy',
      version: 'draft-1',
      content: 'Draft',
      effectiveDate: '2027-01-01',
      activate: false,
    });
    expect(draft.status, draft.text).toBe(201);
    expect(draft.body.active).toBe(false);
    expect((await stack.http.get('/api/policies/current')).body.privacy.version).toBe(activeBefore);
    expectProblem(
      await as.post('/api/admin/policies', {
        kind: 'privacy',
        version: 'draft-1',
        content: 'Again',
        effectiveDate: '2027-01-01',
      }),
      409,
      'conflict',
    );

    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        as.post('/api/admin/policies', {
          kind: 'privacy',
          version: `race-${i}`,
          content: `Race ${i}`,
          effectiveDate: '2027-02-01',
          activate: true,
        }),
      ),
    );
    // Once one activation commits, the publishing admin has not accepted it yet: 428 is right.
    for (const r of results) expect([201, 409, 428]).toContain(r.status);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    const active = await stack.knex('privacy_policies').where({ active: true });
    expect(active).toHaveLength(1);
    expect((await stack.http.get('/api/policies/current')).body.privacy.version).toBe(active[0].version);
    const published = await waitForAudit(
      () => stack.knex('audit_logs').where({ action: 'policy.published', outcome: 'success' }),
      (rows) => rows.length >= 1 + results.filter((r) => r.status === 201).length,
    );
    expect(published.some((row) => row.details.version === 'draft-1' && row.details.activate === false)).toBe(true);
  });
});
