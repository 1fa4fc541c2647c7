import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack';
import {
  activeVersions,
  countRows,
  expectProblem,
  signUpOverHttp,
  uniqueEmail,
  waitForAudit,
} from '../helpers/accounts';
import { FakeOAuthProvider } from '../fakes/oauth-providers';

const FRONTEND = 'http://frontend.test/app';
let stack: TestStack;
let github: FakeOAuthProvider;
let google: FakeOAuthProvider;

beforeAll(async () => {
  github = await new FakeOAuthProvider('github').start();
  google = await new FakeOAuthProvider('google').start();
  stack = await startStack({ worker: false, env: { ...github.env(), ...google.env(), FRONTEND_URL: FRONTEND } });
});
afterAll(async () => {
  await stack?.close();
  await github?.stop();
  await google?.stop();
});

const cookieOf = (res: { headers: Headers }, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`));

/** Runs the browser's part: start → provider's authorize → back to Cohort's callback. */
async function browserSignIn(provider: 'github' | 'google') {
  const start = await stack.http.get(`/api/auth/oauth/${provider}/start`);
  expect(start.status, start.text).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('state')).toBeTruthy();
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.baseUrl}/api/auth/oauth/${provider}/callback`);
  const stateCookie = cookieOf(start, 'cohort_oauth')!;
  expect(start.headers.getSetCookie().join()).toMatch(/HttpOnly/i);
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const callback = new URL(atProvider.headers.get('location')!);
  const done = await stack.http.get(`${callback.pathname}${callback.search}`, { cookie: stateCookie });
  return { done, stateCookie, callback };
}

const tokenFrom = (location: string) => new URLSearchParams(new URL(location).hash.slice(1)).get('token')!;

describe('OAuth sign-in', () => {
  it('GitHub: creates a student from the verified primary email, links it, and 428 until policies are accepted', async () => {
    const email = uniqueEmail('gh');
    github.next = { sub: '4242', email, name: 'Octo Cat' };
    const { done } = await browserSignIn('github');
    expect(done.status, done.text).toBe(302);
    const location = done.headers.get('location')!;
    expect(location.startsWith(`${FRONTEND}#`)).toBe(true);
    const token = tokenFrom(location);
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(cookieOf(done, 'cohort_session')).toBe(`cohort_session=${token}`);

    const me = await stack.http.as(token).get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      email,
      emailVerified: true,
      fullName: 'Octo Cat',
      role: 'student',
      privacyAccepted: false,
      privacyVersion: null,
    });
    const link = await stack.knex('oauth_accounts').where({ provider: 'github', providerUserId: '4242' });
    expect(link).toHaveLength(1);
    expect(link[0].userId).toBe(me.body.id);
    expect((await stack.knex('users').where({ id: me.body.id }).first()).passwordHash).toBeNull();

    // Not yet accepted: guarded endpoints answer 428 (before any role check).
    const blocked = await stack.http.as(token).get('/api/admin/audit-logs');
    expectProblem(blocked, 428, 'consent_required');
    const versions = await activeVersions(stack.http);
    expect(blocked.body).toMatchObject(versions);
    expect((await stack.http.as(token).post('/api/policies/accept', versions)).status).toBe(201);
    expectProblem(await stack.http.as(token).get('/api/admin/audit-logs'), 403, 'forbidden');

    const audit = await waitForAudit(
      () => stack.knex('audit_logs').where({ userId: me.body.id, action: 'auth.oauth_login' }),
      (rows) => rows.length === 1,
    );
    expect(audit[0]).toMatchObject({
      outcome: 'success',
      resource: 'oauth:github',
      details: { status: 302, provider: 'github', created: true },
    });

    // Signing in again finds the same account and creates nothing.
    const before = await countRows(stack.knex, ['users', 'oauth_accounts']);
    const again = await browserSignIn('github');
    expect(again.done.status).toBe(302);
    expect((await stack.http.as(tokenFrom(again.done.headers.get('location')!)).get('/api/me')).body.id).toBe(
      me.body.id,
    );
    expect(await countRows(stack.knex, ['users', 'oauth_accounts'])).toEqual(before);
  });

  it('Google: OIDC via discovery links an existing verified account with the same verified email', async () => {
    const existing = await signUpOverHttp(stack.http);
    // As if its owner had spent the verify-email link (email-ownership.test.ts does it for real).
    await stack.knex('users').where({ id: existing.user.id }).update({ emailVerifiedAt: new Date() });
    google.next = { sub: 'google-sub-1', email: existing.email.toUpperCase(), name: 'Someone Else' };
    const { done } = await browserSignIn('google');
    expect(done.status, done.text).toBe(302);
    const me = await stack.http.as(tokenFrom(done.headers.get('location')!)).get('/api/me');
    expect(me.body).toMatchObject({ id: existing.user.id, fullName: 'Ada Lovelace', privacyAccepted: true });
    // A verified account is only linked: its password and other sessions stay.
    expect((await stack.http.as(existing.token).get('/api/me')).status).toBe(200);
    expect(
      (await stack.http.post('/api/auth/login', { email: existing.email, password: existing.password })).status,
    ).toBe(200);
    expect(
      await stack
        .knex('oauth_accounts')
        .where({ provider: 'google', providerUserId: 'google-sub-1', userId: existing.user.id }),
    ).toHaveLength(1);
  });

  it('Google: creates a new user who must accept the policies', async () => {
    const email = uniqueEmail('google');
    google.next = { sub: 'google-sub-2', email, name: 'Gee Mail' };
    const { done } = await browserSignIn('google');
    const token = tokenFrom(done.headers.get('location')!);
    expect((await stack.http.as(token).get('/api/me')).body).toMatchObject({ email, privacyAccepted: false });
    expectProblem(await stack.http.as(token).get('/api/admin/audit-logs'), 428, 'consent_required');
  });

  it('refuses an unverified email, a failed code exchange, and a missing or forged state, writing nothing', async () => {
    const before = await countRows(stack.knex, ['users', 'sessions', 'oauth_accounts', 'user_consents']);
    google.next = { sub: 'google-sub-3', email: uniqueEmail('unverified'), name: 'Un Verified', emailVerified: false };
    expectProblem((await browserSignIn('google')).done, 401, 'unauthenticated');
    github.next = { sub: '777', email: uniqueEmail('nope'), name: 'Un Verified', emailVerified: false };
    expectProblem((await browserSignIn('github')).done, 401, 'unauthenticated');

    github.failTokenExchange = true;
    github.next = { sub: '778', email: uniqueEmail('gh'), name: 'Failing' };
    try {
      expectProblem((await browserSignIn('github')).done, 401, 'unauthenticated');
    } finally {
      github.failTokenExchange = false;
    }

    // The code arrives at a browser that never started here, or with a swapped state.
    const start = await stack.http.get('/api/auth/oauth/github/start');
    const atProvider = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(atProvider.headers.get('location')!);
    const path = `${callback.pathname}${callback.search}`;
    expectProblem(await stack.http.get(path), 400, 'validation_failed');
    const stateCookie = cookieOf(start, 'cohort_oauth')!;
    const [payload, signature] = stateCookie.slice('cohort_oauth='.length).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), state: 'attacker' }),
    ).toString('base64url');
    expectProblem(
      await stack.http.get(path, { cookie: `cohort_oauth=${forged}.${signature}` }),
      400,
      'validation_failed',
    );
    const swapped = new URL(callback);
    swapped.searchParams.set('state', 'attacker');
    expectProblem(
      await stack.http.get(`${swapped.pathname}${swapped.search}`, { cookie: stateCookie }),
      400,
      'validation_failed',
    );
    // A GitHub state replayed at the Google callback.
    expectProblem(
      await stack.http.get(`/api/auth/oauth/google/callback${callback.search}`, { cookie: stateCookie }),
      400,
      'validation_failed',
    );
    for (const query of [
      '?code=x&state=' + 'a'.repeat(600),
      `?code=${encodeURIComponent("' OR 1=1--")}&state=%00`,
      '?error=access_denied',
    ]) {
      const res = await stack.http.get(`/api/auth/oauth/github/callback${query}`, { cookie: stateCookie });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await countRows(stack.knex, ['users', 'sessions', 'oauth_accounts', 'user_consents'])).toEqual(before);
  });

  it('answers 404 for a provider that does not exist', async () => {
    for (const provider of ['gitlab', "github' OR 1=1--", 'x'.repeat(300)]) {
      expectProblem(
        await stack.http.get(`/api/auth/oauth/${encodeURIComponent(provider)}/start`),
        provider.length > 20 ? 400 : 404,
        provider.length > 20 ? 'validation_failed' : 'not_found',
      );
    }
  });
});
