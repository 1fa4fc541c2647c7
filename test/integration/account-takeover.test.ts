import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOAuthProvider } from '../fakes/oauth-providers';
import { expectProblem, signUpOverHttp, uniqueEmail, waitForAudit } from '../helpers/accounts';
import { linkToken, waitForOutboxMessage } from '../helpers/outbox';
import { startStack, type TestStack } from '../helpers/stack';

const run = promisify(execFile);
let stack: TestStack;
let google: FakeOAuthProvider;

beforeAll(async () => {
  google = await new FakeOAuthProvider('google').start();
  stack = await startStack({ env: google.env() });
});
afterAll(async () => {
  await stack?.close();
  await google?.stop();
});

const me = (token: string) => stack.http.as(token).get('/api/me');
const login = (email: string, password: string) => stack.http.post('/api/auth/login', { email, password });

/** The victim's browser: Google sign-in, back to Cohort's callback; the session token from the fragment. */
async function signInWithGoogle(): Promise<string> {
  const start = await stack.http.get('/api/auth/oauth/google/start');
  const stateCookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('cohort_oauth='))!;
  const atProvider = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const callback = new URL(atProvider.headers.get('location')!);
  const done = await stack.http.get(`${callback.pathname}${callback.search}`, { cookie: stateCookie });
  expect(done.status, done.text).toBe(302);
  return new URLSearchParams(new URL(done.headers.get('location')!).hash.slice(1)).get('token')!;
}

describe('pre-account takeover', () => {
  it("an attacker's sign-up with the victim's email dies when the victim signs in with a provider", async () => {
    const victimEmail = uniqueEmail('victim');
    const attacker = await signUpOverHttp(stack.http, { email: victimEmail, password: 'attacker password 1' });
    const second = await login(victimEmail, 'attacker password 1');
    expect(second.status).toBe(200);
    // The verify-email the attacker's sign-up sent lands in the victim's mailbox.
    const verifyLink = linkToken(
      (await waitForOutboxMessage(stack.config.DATA_DIR, victimEmail, 'verify-email')).text,
      'verify-email',
    );
    expect(verifyLink).toBeDefined();

    google.next = { sub: 'victim-google', email: victimEmail, name: 'Real Owner' };
    const victimToken = await signInWithGoogle();

    // The victim has the account; the attacker has nothing left.
    const victim = await me(victimToken);
    expect(victim.status).toBe(200);
    expect(victim.body).toMatchObject({ id: attacker.user.id, email: victimEmail, emailVerified: true });
    for (const token of [attacker.token, second.body.token]) expectProblem(await me(token), 401, 'unauthenticated');
    expectProblem(await login(victimEmail, 'attacker password 1'), 401, 'unauthenticated');
    expect((await stack.knex('users').where({ id: attacker.user.id }).first()).passwordHash).toBeNull();
    expectProblem(await stack.http.post('/api/auth/verify-email', { token: verifyLink }), 400, 'validation_failed');
    expect(await stack.knex('oauth_accounts').where({ userId: attacker.user.id })).toMatchObject([
      { provider: 'google', providerUserId: 'victim-google' },
    ]);
    const audit = await waitForAudit(
      () => stack.knex('audit_logs').where({ action: 'auth.oauth_login', userId: attacker.user.id }),
      (rows) => rows.length === 1,
    );
    expect(audit[0].details).toMatchObject({ provider: 'google', created: false, takenOver: true });

    // Signing in again is an ordinary linked sign-in: the victim's own session survives.
    const again = await signInWithGoogle();
    expect((await me(again)).body.id).toBe(attacker.user.id);
    expect((await me(victimToken)).status).toBe(200);
  });

  it("an attacker's sign-up with the admin's email is not promoted by create-admin without --promote, and loses it all with", async () => {
    const adminEmail = uniqueEmail('admin');
    const attacker = await signUpOverHttp(stack.http, { email: adminEmail, password: 'attacker password 2' });
    // Whatever sign-in providers the account had go with it.
    await stack
      .knex('oauth_accounts')
      .insert({ userId: attacker.user.id, provider: 'github', providerUserId: 'attacker-gh' });
    const env = { ...process.env, DATABASE_URL: stack.db.url, LOG_LEVEL: 'silent' };
    const createAdmin = (...extra: string[]) =>
      run(
        join(process.cwd(), 'node_modules', '.bin', 'tsx'),
        ['scripts/create-admin.ts', '--email', adminEmail, '--password', 'operator password 3', ...extra],
        { env },
      ).catch((error: { code: number; stdout: string; stderr: string }) => error);

    const refused = await createAdmin();
    expect((refused as { code: number }).code).toBe(1);
    expect(refused.stderr).toMatch(/An account with this email exists already; pass --promote/);
    expect((await stack.knex('users').where({ id: attacker.user.id }).first()).role).toBe('student');
    expectProblem(await login(adminEmail, 'operator password 3'), 401, 'unauthenticated');

    const promoted = await createAdmin('--promote');
    expect(promoted.stdout).toMatch(/superadmin promoted: .* \(1 sessions and 1 OAuth links revoked\)/);
    expectProblem(await me(attacker.token), 401, 'unauthenticated');
    expectProblem(await login(adminEmail, 'attacker password 2'), 401, 'unauthenticated');
    expect(await stack.knex('oauth_accounts').where({ userId: attacker.user.id })).toEqual([]);
    const operator = await login(adminEmail, 'operator password 3');
    expect(operator.status).toBe(200);
    expect(operator.body.user).toMatchObject({ id: attacker.user.id, role: 'superadmin', emailVerified: true });
    const [audit] = await stack
      .knex('audit_logs')
      .where({ action: 'admin.superadmin_ensured', userId: attacker.user.id });
    expect(audit.details).toMatchObject({ created: false, via: 'cli', revoked: { sessions: 1, oauthLinks: 1 } });
  });
});
