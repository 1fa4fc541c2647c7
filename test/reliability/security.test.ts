import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, temporalLogger } from '../../lib/logger';
import { countRows, expectProblem, signUpOverHttp, uniqueEmail } from '../helpers/accounts';
import { enrollStudent, trackOutline } from '../helpers/enrollment';
import { rawRequest } from '../helpers/http';
import { waitForOutboxMessage } from '../helpers/outbox';
import { startPaymentsStack, waitFor, waitForEnrollment, type PaymentsStack } from '../helpers/payments';
import type { TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

/**
 * Part 5 of the reliability suite: the security promises, checked together on one stack
 * whose API and worker logs are captured from the first request to the last and searched at
 * the end for every secret and every piece of personal data the file used.
 *
 * Narrower integration tests exist for several checks; this file covers each promise end to
 * end rather than every edge: accounts.test.ts (logout), set-password.test.ts (a spent link
 * revokes other sessions), account-deletion.test.ts (erasure), rate-limits.test.ts (limits
 * across replicas, per address and account), http-hardening.test.ts (headers, cookie-signed
 * changes, oversized headers), payments-webhook.test.ts (stale and forged signatures, body
 * limit), log-privacy.test.ts (logs of a sign-up, OAuth, payment and review journey),
 * workspace-journey.test.ts (workspace credentials). What only this file adds: the password
 * reset and account erasure ending sessions in one journey, those journeys' and a workspace's
 * logs searched, a real payment's event replayed late, and the database dump.
 */
const lines: string[] = [];
const logger = createLogger('debug', { write: (chunk: string) => void lines.push(chunk) });
const secrets = new Map<string, string>();
const secret = (label: string, value: string) => secrets.set(label, value);

const FRONTEND = 'http://frontend.test';
const LOGIN_MAX_FAILURES = 3;
const LOGIN_IP_LIMIT = 6;

let payments: PaymentsStack;
let stack: TestStack;
beforeAll(async () => {
  // Before any Temporal connection in this process: the worker's Runtime logs into the capture too.
  Runtime.install({
    logger: temporalLogger(logger.child({ process: 'worker' })),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'INFO', other: 'INFO' }) },
    },
  });
  payments = await startPaymentsStack({
    logger,
    env: {
      LOG_LEVEL: 'debug',
      FRONTEND_URL: `${FRONTEND}/app`,
      DELETION_COOL_OFF: '3s',
      LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES),
      RATE_LIMIT_LOGIN_IP: `${LOGIN_IP_LIMIT}/15m`,
    },
  });
  stack = payments.stack;
  secret('webhook secret', payments.webhookSecret);
  secret('encryption key', stack.config.COHORT_ENCRYPTION_KEY);
  if (stack.config.STRIPE_SECRET_KEY) secret('stripe key', stack.config.STRIPE_SECRET_KEY);
}, 180_000);
afterAll(async () => {
  await payments?.close();
});

let addresses = 0;
/** A client address of its own (X-Forwarded-For is trusted from loopback), so limits do not mix. */
const newAddress = () => ({ 'x-forwarded-for': `198.51.100.${++addresses}` });

const linkToken = (text: string) => /[?#&]token=([A-Za-z0-9_-]{20,})/.exec(text)?.[1];

describe('sessions', () => {
  it('end on logout, on a password change (reset link) and on account deletion', async () => {
    const http = stack.http;
    const from = newAddress();
    const fullName = `Sessia Revokova ${randomBytes(3).toString('hex')}`;
    const account = await signUpOverHttp(http, { fullName });
    secret('email', account.email);
    secret('name', fullName);
    secret('password', account.password);
    secret('sign-up session', account.token);
    const login = await http.post('/api/auth/login', { email: account.email, password: account.password }, from);
    expect(login.status, login.text).toBe(200);
    const second: string = login.body.token;
    secret('login session', second);

    // Logout ends that session only.
    expect((await http.as(second).post('/api/auth/logout')).status).toBe(204);
    expectProblem(await http.as(second).get('/api/me'), 401, 'unauthenticated');
    expect((await http.as(account.token).get('/api/me')).status).toBe(200);

    // A password change through the reset link ends every other session; the old password is dead.
    expect((await http.post('/api/auth/forgot-password', { email: account.email }, from)).status).toBe(202);
    const message = await waitForOutboxMessage(stack.config.DATA_DIR, account.email, 'password-reset');
    const token = linkToken(message.text)!;
    expect(token).toBeTruthy();
    secret('reset link token', token);
    const newPassword = `New-Secret-${randomBytes(6).toString('hex')}`;
    secret('new password', newPassword);
    const reset = await http.post('/api/auth/set-password', { token, password: newPassword }, from);
    expect(reset.status, reset.text).toBe(200);
    const third: string = reset.body.token;
    secret('reset session', third);
    expectProblem(await http.as(account.token).get('/api/me'), 401, 'unauthenticated');
    expect((await http.as(third).get('/api/me')).status).toBe(200);
    expectProblem(
      await http.post('/api/auth/login', { email: account.email, password: account.password }, from),
      401,
      'unauthenticated',
    );

    // Deletion: after the cool-off the erasure revokes what is left, and nobody signs in again.
    const deletion = await http.as(third).delete('/api/accounts/delete-account', { password: newPassword });
    expect(deletion.status, deletion.text).toBe(202);
    await waitFor('the erasure to end the session', async () =>
      (await http.as(third).get('/api/me')).status === 401 ? true : undefined,
    );
    await waitFor('the erasure to complete', async () =>
      (await stack.knex('users').where({ id: account.user.id }).first())?.anonymized ? true : undefined,
    );
    // No session row is left, not even one a sign-in slipped in while the erasure ran.
    expect(await stack.knex('sessions').where({ userId: account.user.id })).toEqual([]);
    expectProblem(await http.as(third).get('/api/me'), 401, 'unauthenticated');
    expectProblem(
      await http.post('/api/auth/login', { email: account.email, password: newPassword }, from),
      401,
      'unauthenticated',
    );
  }, 120_000);
});

describe('limits', () => {
  it(`refuse the login after ${LOGIN_MAX_FAILURES} failures for an account, whatever the address, even with the right password`, async () => {
    const { email, password } = await signUpOverHttp(stack.http);
    secret('limited email', email);
    secret('limited password', password);
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++)
      expectProblem(
        await stack.http.post('/api/auth/login', { email, password: 'a wrong password' }, newAddress()),
        401,
        'unauthenticated',
      );
    const refused = await stack.http.post('/api/auth/login', { email, password }, newAddress());
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it(`refuse an address after ${LOGIN_IP_LIMIT} failed logins across accounts; another address goes on`, async () => {
    const from = newAddress();
    for (let i = 0; i < LOGIN_IP_LIMIT; i++)
      expectProblem(
        await stack.http.post('/api/auth/login', { email: uniqueEmail('spray'), password: 'Winter2026!' }, from),
        401,
        'unauthenticated',
      );
    expectProblem(
      await stack.http.post('/api/auth/login', { email: uniqueEmail('spray'), password: 'Winter2026!' }, from),
      429,
      'rate_limited',
    );
    expectProblem(
      await stack.http.post('/api/auth/login', { email: uniqueEmail('spray'), password: 'Winter2026!' }, newAddress()),
      401,
      'unauthenticated',
    );
  });

  it('refuse oversized bodies (JSON 100 KB, the webhook 256 KB) and headers with problem+json, writing nothing', async () => {
    const before = await countRows(stack.knex, ['users', 'sessions', 'stripe_events']);
    const bigJson = { email: uniqueEmail(), password: 'x'.repeat(120_000) };
    expectProblem(await stack.http.post('/api/auth/login', bigJson, newAddress()), 413, 'payload_too_large');
    const signup = await stack.http.post('/api/auth/signup', { fullName: 'y'.repeat(150_000) }, newAddress());
    expectProblem(signup, 413, 'payload_too_large');
    const huge = JSON.stringify({ id: 'evt_big', padding: 'z'.repeat(300_000) });
    const webhook = await stack.http.request('POST', '/api/payments/webhook', huge, {
      'content-type': 'application/json',
      'stripe-signature': payments.standin.controls.sign(huge),
    });
    expectProblem(webhook, 413, 'payload_too_large');
    // Headers beyond Node's 16 KB refused before the app, still as problem+json.
    const host = new URL(stack.baseUrl).host;
    const answer = await rawRequest(
      stack.baseUrl,
      `GET /api/me HTTP/1.1\r\nHost: ${host}\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(await countRows(stack.knex, ['users', 'sessions', 'stripe_events'])).toEqual(before);
  });
});

describe('headers and CORS', () => {
  it('send the security headers on answers, errors and refusals alike', async () => {
    const { token } = await createTestUser(stack.knex);
    const answers = [
      await stack.http.get('/api/tracks'),
      await stack.http.get('/api/me'),
      await stack.http.as(token).get('/api/admin/audit-logs'),
      await stack.http.get('/api/no-such-thing'),
      await stack.http.post('/api/auth/login', { email: 'not an email' }, newAddress()),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 403, 404, 400]);
    for (const res of answers) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('grant no cross-origin access to anyone (no CORS is configured): no preflight passes, no answer is shared', async () => {
    const { token } = await createTestUser(stack.knex);
    for (const origin of ['https://evil.example', FRONTEND, 'null']) {
      const preflight = await stack.http.request('OPTIONS', '/api/me', undefined, {
        origin,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      });
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
      const read = await stack.http.as(token).get('/api/me', { origin });
      expect(read.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    }
    // A cross-site form riding the session cookie changes nothing.
    const forged = await stack.http.request('PATCH', '/api/me', 'fullName=Mallory', {
      cookie: `cohort_session=${token}`,
      origin: 'https://evil.example',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expectProblem(forged, 403, 'forbidden');
  });
});

describe('the Stripe webhook', () => {
  it('rejects a real payment’s event replayed outside the 5-minute tolerance, storing nothing', async () => {
    const student = await createTestUser(stack.knex);
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await stack.knex('trainers').insert({ userId: trainer.user.id, tracks: ['FSD'], maxStudents: 20 });
    const checkout = await stack.http.as(student.token).post('/api/payments/checkout', { track: 'FSD' });
    expect(checkout.status, checkout.text).toBe(201);
    const paid = await fetch(checkout.body.checkoutUrl, { method: 'POST' });
    expect(paid.status).toBe(200);
    await waitForEnrollment(payments, student.user.id, 'ENROLLED', 'FSD');
    const session = payments.standin.controls.session(checkout.body.sessionId)!;

    // The event as Stripe sent it, captured and replayed 6 minutes and a day later.
    const payload = JSON.stringify({
      id: `evt_replay_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000) - 360,
      data: { object: session },
    });
    const deliver = (signature: string) =>
      stack.http.request('POST', '/api/payments/webhook', payload, {
        'content-type': 'application/json',
        'stripe-signature': signature,
      });
    const before = await countRows(stack.knex, ['stripe_events', 'payments', 'enrollments']);
    for (const age of [301, 360, 86_400]) {
      const replayed = await deliver(payments.standin.controls.sign(payload, Math.floor(Date.now() / 1000) - age));
      expectProblem(replayed, 400, 'validation_failed');
    }
    expect(await countRows(stack.knex, ['stripe_events', 'payments', 'enrollments'])).toEqual(before);
    // The same bytes signed now pass: the age alone was refused (and the duplicate pays nothing twice).
    expect((await deliver(payments.standin.controls.sign(payload))).status).toBe(200);
    expect(await stack.knex('payments').where({ userId: student.user.id })).toHaveLength(1);
  }, 90_000);
});

describe('workspace passwords', () => {
  it('appear in no pg_dump of the platform or the workspace database', async () => {
    const student = await createTestUser(stack.knex, { fullName: 'Dumpty Workspace' });
    const trainer = await createTestUser(stack.knex, { role: 'trainer' });
    await enrollStudent(stack.knex, { userId: student.user.id, trainerUserId: trainer.user.id, track: 'DP' });
    const [first] = await trackOutline(stack.knex, 'DP');
    expect((await stack.http.as(student.token).post(`/api/projects/${first!.id}/start`)).status).toBe(200);
    const credentials = await waitFor(
      'the workspace credentials',
      async () => {
        const res = await stack.http.as(student.token).get('/api/workspace/db-credentials');
        return res.status === 200 ? (res.body as { password: string; database: string }) : undefined;
      },
      60_000,
    );
    expect(credentials.password.length).toBeGreaterThanOrEqual(32);
    secret('workspace password', credentials.password);
    // The secret store holds it (sealed) in the platform database.
    expect(Number((await stack.knex('secrets').count({ n: '*' }))[0]!.n)).toBeGreaterThan(0);

    const workspaceUrl = new URL(stack.db.url);
    workspaceUrl.pathname = `/${credentials.database}`;
    for (const url of [stack.db.url, workspaceUrl.href]) {
      const dump = spawnSync('pg_dump', ['--no-owner', url], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
      expect(dump.status, dump.stderr).toBe(0);
      expect(dump.stdout.length).toBeGreaterThan(1000);
      expect(dump.stdout.includes(credentials.password), `the workspace password is in a dump of ${url}`).toBe(false);
      expect(dump.stdout.includes(Buffer.from(credentials.password).toString('base64'))).toBe(false);
    }
  }, 120_000);
});

describe('logs of everything above', () => {
  it('hold no secret, token, password, email or name', async () => {
    // Let in-flight workflow tasks and their log lines land.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const output = lines.join('');
    const entries = output
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The capture saw both sides: the API's request lines and the worker's.
    expect(entries.filter((e) => e.msg === 'request completed').length).toBeGreaterThan(30);
    expect(entries.some((e) => e.process === 'worker')).toBe(true);
    expect(secrets.size).toBeGreaterThan(10);
    for (const [label, value] of secrets) expect(output.includes(value), `${label} leaked into the logs`).toBe(false);
    expect(output).not.toMatch(/@example\.test/);
    expect(output).not.toMatch(/198\.51\.100\./);
  });
});
