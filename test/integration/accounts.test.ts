import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';
import {
  activeVersions,
  countRows,
  expectProblem,
  signUpOverHttp,
  uniqueEmail,
  waitForAudit,
} from '../helpers/accounts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ worker: false, env: { LOGIN_MAX_FAILURES: '3', LOGIN_FAILURE_WINDOW: '15m' } });
});
afterAll(async () => {
  await stack?.close();
});

describe('sign-up', () => {
  it('creates a student with GDPR fields, consent records, a session and a cookie', async () => {
    const versions = await activeVersions(stack.http);
    const email = uniqueEmail();
    const res = await stack.http.post(
      '/api/auth/signup',
      {
        email,
        password: 'correct horse battery',
        fullName: 'Grace Hopper',
        acceptPrivacyVersion: versions.privacyVersion,
        acceptTermsVersion: versions.termsVersion,
        marketingConsent: true,
      },
      { 'user-agent': 'vitest-agent/1.0' },
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(Object.keys(res.body.user).sort()).toEqual([
      'accountDeletionRequested',
      'accountDeletionRequestedAt',
      'anonymized',
      'dataRetentionConsent',
      'email',
      'emailVerified',
      'enrollment',
      'fullName',
      'id',
      'marketingConsent',
      'privacyAccepted',
      'privacyAcceptedAt',
      'privacyVersion',
      'role',
    ]);
    expect(res.body.user).toMatchObject({
      email,
      emailVerified: false,
      role: 'student',
      privacyAccepted: true,
      privacyVersion: versions.privacyVersion,
      marketingConsent: true,
      dataRetentionConsent: false,
      enrollment: null,
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/cohort_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    const row = await stack.knex('users').where({ id: res.body.user.id }).first();
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.termsVersion).toBe(versions.termsVersion);
    const consents = await stack.knex('user_consents').where({ userId: row.id }).orderBy('kind');
    expect(consents.map((c: { kind: string }) => c.kind)).toEqual(['marketing', 'policies']);
    const policies = consents.find((c: { kind: string }) => c.kind === 'policies');
    expect(policies).toMatchObject({
      granted: true,
      policyVersion: versions.privacyVersion,
      termsVersion: versions.termsVersion,
      userAgent: 'vitest-agent/1.0',
    });
    expect(policies.ipAddress).toMatch(/127\.0\.0\.1/);
    const sessions = await stack.knex('sessions').where({ userId: row.id });
    expect(sessions).toHaveLength(1);
    expect(sessions[0].tokenHash).not.toBe(res.body.token);

    // The cookie alone authenticates too.
    const token = /cohort_session=([^;]+)/.exec(cookie)![1]!;
    const me = await stack.http.get('/api/me', { cookie: `cohort_session=${token}` });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(row.id);
  });

  it('refuses versions that are not the active ones with 422 consent_required, writing nothing', async () => {
    const before = await countRows(stack.knex);
    const res = await stack.http.post('/api/auth/signup', {
      email: uniqueEmail(),
      password: 'correct horse battery',
      fullName: 'Old Version',
      acceptPrivacyVersion: '1999-01',
      acceptTermsVersion: '1999-01',
    });
    expectProblem(res, 422, 'consent_required');
    const versions = await activeVersions(stack.http);
    expect(res.body).toMatchObject(versions);
    expect(await countRows(stack.knex)).toEqual(before);
  });

  it('answers 409 for a taken email, whatever its case', async () => {
    const { email } = await signUpOverHttp(stack.http);
    const before = await countRows(stack.knex, ['users', 'user_consents', 'sessions']);
    const versions = await activeVersions(stack.http);
    const res = await stack.http.post('/api/auth/signup', {
      email: email.toUpperCase(),
      password: 'another long password',
      fullName: 'Twin',
      acceptPrivacyVersion: versions.privacyVersion,
      acceptTermsVersion: versions.termsVersion,
    });
    expectProblem(res, 409, 'conflict');
    expect(await countRows(stack.knex, ['users', 'user_consents', 'sessions'])).toEqual(before);
  });

  it('makes exactly one account from twenty concurrent sign-ups with one email', async () => {
    const versions = await activeVersions(stack.http);
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stack.http.post('/api/auth/signup', {
          email,
          password: `concurrent password ${i}`,
          fullName: `Racer ${i}`,
          acceptPrivacyVersion: versions.privacyVersion,
          acceptTermsVersion: versions.termsVersion,
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('conflict');
    const users = await stack.knex('users').whereRaw('lower(email) = ?', [email]);
    expect(users).toHaveLength(1);
    expect(await stack.knex('user_consents').where({ userId: users[0].id })).toHaveLength(1);
  });
});

describe('login and logout', () => {
  it('signs in, then logout revokes the session and clears the cookie', async () => {
    const { email, password } = await signUpOverHttp(stack.http);
    const login = await stack.http.post('/api/auth/login', { email: email.toUpperCase(), password });
    expect(login.status, login.text).toBe(200);
    expect(login.body.user.email).toBe(email);
    expect(login.headers.get('set-cookie')).toMatch(/cohort_session=/);
    const authed = stack.http.as(login.body.token);
    expect((await authed.get('/api/me')).status).toBe(200);
    const logout = await authed.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/cohort_session=;/);
    expectProblem(await authed.get('/api/me'), 401, 'unauthenticated');
    expectProblem(await authed.post('/api/auth/logout'), 401, 'unauthenticated');
  });

  it('gives the same 401 for an unknown email and a wrong password', async () => {
    const { email } = await signUpOverHttp(stack.http);
    const wrong = await stack.http.post(
      '/api/auth/login',
      { email, password: 'not the password' },
      { 'x-forwarded-for': '10.0.0.1' },
    );
    const unknown = await stack.http.post(
      '/api/auth/login',
      { email: uniqueEmail('nobody'), password: 'not the password' },
      { 'x-forwarded-for': '10.0.0.1' },
    );
    expectProblem(wrong, 401, 'unauthenticated');
    expectProblem(unknown, 401, 'unauthenticated');
    expect(unknown.body).toEqual(wrong.body);
  });

  it('rate-limits repeated failures per email and address with 429 rate_limited', async () => {
    const { email, password } = await signUpOverHttp(stack.http);
    for (let i = 0; i < 3; i += 1)
      expectProblem(
        await stack.http.post('/api/auth/login', { email, password: 'wrong password' }),
        401,
        'unauthenticated',
      );
    // Even the right password is refused while the limit holds.
    const limited = await stack.http.post('/api/auth/login', { email, password });
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      await stack
        .knex('sessions')
        .whereIn('userId', stack.knex('users').select('id').whereRaw('lower(email) = ?', [email])),
    ).toHaveLength(1);
    // Another email from the same address is not affected.
    const other = await signUpOverHttp(stack.http);
    expect((await stack.http.post('/api/auth/login', { email: other.email, password: other.password })).status).toBe(
      200,
    );
    // The refused guesses are audited against the account they named; the anonymous 429 is
    // counted in metrics instead (http_anonymous_refusals_total; see rate-limits.test.ts).
    const userId = (await stack.knex('users').whereRaw('lower(email) = ?', [email]).first()).id;
    const failures = await waitForAudit(
      () => stack.knex('audit_logs').where({ action: 'auth.login', outcome: 'failure', userId }),
      (rows) => rows.length === 3,
    );
    expect(failures.map((f) => f.details)).toEqual([{ status: 401 }, { status: 401 }, { status: 401 }]);
    expect(
      await stack.knex('audit_logs').where({ action: 'auth.login' }).whereRaw(`(details->>'status')::int = 429`),
    ).toEqual([]);
  });
});

describe('contract', () => {
  it('documents every account endpoint in OpenAPI from the validating schemas', async () => {
    const doc = await stack.http.get('/api/openapi.json');
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      '/api/auth/signup',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/verify-email',
      '/api/auth/forgot-password',
      '/api/auth/set-password',
      '/api/auth/oauth/{provider}/start',
      '/api/auth/oauth/{provider}/callback',
      '/api/me',
      '/api/policies/current',
      '/api/policies/accept',
      '/api/admin/policies',
      '/api/admin/users',
      '/api/admin/trainers',
      '/api/admin/users/{id}/legal-hold',
      '/api/admin/audit-logs',
    ])
      expect(paths).toContain(path);
    expect(doc.body.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'fullName', 'acceptPrivacyVersion', 'acceptTermsVersion']),
    );
    expect(Object.keys(doc.body.paths['/api/admin/users/{id}/legal-hold'])).toEqual(
      expect.arrayContaining(['post', 'delete']),
    );
  });
});

describe('OAuth without credentials', () => {
  it('answers 404 for providers that are not configured', async () => {
    for (const provider of ['github', 'google']) {
      expectProblem(await stack.http.get(`/api/auth/oauth/${provider}/start`), 404, 'not_found');
      expectProblem(await stack.http.get(`/api/auth/oauth/${provider}/callback?code=x&state=y`), 404, 'not_found');
    }
  });
});

describe('me, consent and policies', () => {
  it('records a consent given and withdrawn as new rows and audit entries', async () => {
    const { token, user } = await signUpOverHttp(stack.http, { dataRetentionConsent: true });
    const authed = stack.http.as(token);
    const give = await authed.patch('/api/me', { marketingConsent: true, fullName: 'Ada King' });
    expect(give.status, give.text).toBe(200);
    expect(give.body).toMatchObject({ marketingConsent: true, dataRetentionConsent: true, fullName: 'Ada King' });
    const withdraw = await authed.patch('/api/me', { marketingConsent: false, dataRetentionConsent: false });
    expect(withdraw.body).toMatchObject({ marketingConsent: false, dataRetentionConsent: false });
    // Repeating the same state changes nothing and appends nothing.
    await authed.patch('/api/me', { marketingConsent: false });

    const consents = await stack
      .knex('user_consents')
      .where({ userId: user.id })
      .whereNot({ kind: 'policies' })
      .orderBy('acceptedAt');
    expect(consents.map((c: { kind: string; granted: boolean }) => `${c.kind}:${c.granted}`).sort()).toEqual([
      'data_retention:false',
      'data_retention:true',
      'marketing:false',
      'marketing:true',
    ]);
    const audit = await stack
      .knex('audit_logs')
      .where({ userId: user.id })
      .whereIn('action', ['consent.granted', 'consent.withdrawn'])
      .orderBy('id');
    expect(audit.map((a: { action: string; resource: string }) => `${a.action} ${a.resource}`)).toEqual([
      'consent.granted consent:marketing',
      'consent.withdrawn consent:marketing',
      'consent.withdrawn consent:data_retention',
    ]);
    const me = await authed.get('/api/me');
    expect(me.body).toMatchObject({ marketingConsent: false, dataRetentionConsent: false, enrollment: null });
  });

  it('shows the enrollment summary in /api/me', async () => {
    const { user, token } = await createTestUser(stack.knex);
    await stack
      .knex('enrollments')
      .insert({ userId: user.id, trackCode: 'DP', status: 'ENROLLED', enrolledAt: new Date(), paymentVerified: true });
    const me = await stack.http.as(token).get('/api/me');
    expect(me.body.enrollment).toMatchObject({
      track: 'DP',
      status: 'ENROLLED',
      paymentVerified: true,
      graduationDate: null,
    });
  });

  it('shows the same enrollment in /api/me as GET /api/enrollment: the live one, never a lapsed checkout', async () => {
    const { user, token } = await createTestUser(stack.knex);
    await stack.knex('enrollments').insert({
      userId: user.id,
      trackCode: 'DP',
      status: 'ENROLLED',
      enrolledAt: new Date(Date.now() - 60_000),
      paymentVerified: true,
      createdAt: new Date(Date.now() - 60_000),
    });
    // A newer checkout for the other track, still unpaid, does not hide the live enrollment.
    await stack.knex('enrollments').insert({ userId: user.id, trackCode: 'FSD', status: 'PENDING_PAYMENT' });
    const me = await stack.http.as(token).get('/api/me');
    const enrollment = await stack.http.as(token).get('/api/enrollment');
    expect(me.body.enrollment).toMatchObject({ track: 'DP', status: 'ENROLLED' });
    expect(me.body.enrollment.id).toBe(enrollment.body.id);

    const lapsed = await createTestUser(stack.knex);
    await stack.knex('enrollments').insert({ userId: lapsed.user.id, trackCode: 'FSD', status: 'EXPIRED' });
    expect((await stack.http.as(lapsed.token).get('/api/me')).body.enrollment).toBeNull();
    expectProblem(await stack.http.as(lapsed.token).get('/api/enrollment'), 404, 'not_found');
  });

  it('answers 428 after an admin activates new terms, until the user accepts them', async () => {
    const admin = await createTestUser(stack.knex, { role: 'admin' });
    const student = await signUpOverHttp(stack.http);
    const authed = stack.http.as(student.token);
    const before = await activeVersions(stack.http);
    expect((await authed.get('/api/tracks')).status).toBe(200);

    const publish = await stack.http.as(admin.token).post('/api/admin/policies', {
      kind: 'terms',
      version: '2026-12',
      content: 'New terms.\nSecond line.',
      effectiveDate: '2026-12-01',
      activate: true,
    });
    expect(publish.status, publish.text).toBe(201);
    expect(publish.body).toMatchObject({ kind: 'terms', version: '2026-12', active: true });
    expect(await stack.knex('terms_of_service').where({ active: true })).toHaveLength(1);

    // The admin has not accepted either: guarded routes answer 428 with the versions to accept.
    const blocked = await stack.http.as(admin.token).get('/api/admin/audit-logs');
    expectProblem(blocked, 428, 'consent_required');
    expect(blocked.body).toMatchObject({ privacyVersion: before.privacyVersion, termsVersion: '2026-12' });

    // Exempt routes still answer: /api/me, /api/policies/*, logout.
    expect((await authed.get('/api/me')).status).toBe(200);
    expect((await authed.get('/api/policies/current')).body.terms.version).toBe('2026-12');
    expect((await authed.patch('/api/me', { marketingConsent: true })).status).toBe(200);
    const second = await stack.http.post('/api/auth/login', { email: student.email, password: student.password });
    expect(second.status).toBe(200);
    expect((await stack.http.as(second.body.token).post('/api/auth/logout')).status).toBe(204);

    expectProblem(
      await authed.post('/api/policies/accept', {
        privacyVersion: before.privacyVersion,
        termsVersion: before.termsVersion,
      }),
      422,
      'consent_required',
    );
    const accept = await authed.post('/api/policies/accept', {
      privacyVersion: before.privacyVersion,
      termsVersion: '2026-12',
    });
    expect(accept.status, accept.text).toBe(201);
    expect(accept.body).toMatchObject({
      kind: 'policies',
      granted: true,
      privacyVersion: before.privacyVersion,
      termsVersion: '2026-12',
    });
    const me = await authed.get('/api/me');
    expect(me.body.privacyAccepted).toBe(true);
    expect(new Date(me.body.privacyAcceptedAt).getTime()).toBe(new Date(accept.body.acceptedAt).getTime());
    const accepted = await waitForAudit(
      () => stack.knex('audit_logs').where({ userId: student.user.id, action: 'consent.policies_accepted' }),
      (rows) => rows.length > 0,
    );
    expect(accepted).toHaveLength(1);
    expect(accepted[0].details).toMatchObject({ privacyVersion: before.privacyVersion, termsVersion: '2026-12' });
    expect(
      (
        await stack.http
          .as(admin.token)
          .post('/api/policies/accept', { privacyVersion: before.privacyVersion, termsVersion: '2026-12' })
      ).status,
    ).toBe(201);
    expect((await stack.http.as(admin.token).get('/api/admin/audit-logs')).status).toBe(200);
  });
});
