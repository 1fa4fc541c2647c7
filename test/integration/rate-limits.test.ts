import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { addressKey } from '../../api/http/rate-limit';
import type { Config } from '../../lib/config';
import { createKnex, type Knex } from '../../lib/db/knex';
import { createLogger } from '../../lib/logger';
import { countRows, expectProblem, signUpOverHttp, uniqueEmail } from '../helpers/accounts';
import { HttpClient } from '../helpers/http';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

const METRICS_TOKEN = 'metrics-token-for-rate-limit-tests';
const LIMITS = {
  LOGIN_MAX_FAILURES: '5',
  LOGIN_FAILURE_WINDOW: '15m',
  RATE_LIMIT_LOGIN_IP: '8/15m',
  RATE_LIMIT_SIGNUP: '3/1h',
  RATE_LIMIT_SET_PASSWORD: '3/1h',
  METRICS_TOKEN,
};

/** A second API replica on the same database, with its own connection pool (as another process would have). */
async function startReplica(stack: TestStack, config: Config = stack.config) {
  const knex = createKnex(stack.db.url, { max: 4 });
  const app = createApp({
    config,
    knex,
    temporal: stack.client,
    taskQueues: stack.taskQueues,
    logger: createLogger('silent'),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    http: new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    async close() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await knex.destroy();
    },
  };
}

let stack: TestStack;
let a: HttpClient;
let b: HttpClient;
let replica: Awaited<ReturnType<typeof startReplica>>;
let knex: Knex;

beforeAll(async () => {
  stack = await startStack({ worker: false, env: LIMITS });
  replica = await startReplica(stack);
  a = stack.http;
  b = replica.http;
  knex = stack.knex;
});
afterAll(async () => {
  await replica?.close();
  await stack?.close();
});

let addresses = 0;
/** A client address of its own (X-Forwarded-For, trusted from loopback by default). */
const newAddress = () => {
  addresses += 1;
  return { 'x-forwarded-for': `198.51.100.${addresses}` };
};
const login = (http: HttpClient, email: string, password: string, from = newAddress()) =>
  http.post('/api/auth/login', { email, password }, from);

describe('login limits, shared by every replica through PostgreSQL', () => {
  it('refuses the sixth failed login for an account, instances alternating, even from new addresses', async () => {
    const { email, password } = await signUpOverHttp(a);
    for (let i = 0; i < 5; i += 1) {
      const http = i % 2 === 0 ? a : b;
      expectProblem(await login(http, email, 'wrong password'), 401, 'unauthenticated');
    }
    const sixth = await login(b, email, 'wrong password');
    expectProblem(sixth, 429, 'rate_limited');
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // The right password waits too, on either replica; the email's case does not matter.
    expectProblem(await login(a, email.toUpperCase(), password), 429, 'rate_limited');
    expect(await knex('sessions').where({ userId: (await knex('users').where({ email }).first()).id })).toHaveLength(1);
    // Another account is not affected.
    const other = await signUpOverHttp(a);
    expect((await login(b, other.email, other.password)).status).toBe(200);
  });

  it('does not count successful logins', async () => {
    const { email, password } = await signUpOverHttp(a);
    for (let i = 0; i < 8; i += 1) expect((await login(i % 2 ? a : b, email, password)).status).toBe(200);
    expectProblem(await login(a, email, 'wrong password'), 401, 'unauthenticated');
  });

  it('refuses an address after RATE_LIMIT_LOGIN_IP failures across accounts; other addresses go on', async () => {
    const from = newAddress();
    for (let i = 0; i < 8; i += 1)
      expectProblem(await login(i % 2 ? a : b, uniqueEmail('spray'), 'Winter2026!', from), 401, 'unauthenticated');
    expectProblem(await login(a, uniqueEmail('spray'), 'Winter2026!', from), 429, 'rate_limited');
    expectProblem(await login(b, uniqueEmail('spray'), 'Winter2026!'), 401, 'unauthenticated');
  });
});

describe('sign-up and set-password limits per address', () => {
  it('refuses the fourth sign-up from one address on either replica, writing nothing', async () => {
    const from = newAddress();
    const versions = (await a.get('/api/policies/current')).body;
    const body = () => ({
      email: uniqueEmail('burst'),
      password: 'correct horse battery',
      fullName: 'Burst',
      acceptPrivacyVersion: versions.privacy.version,
      acceptTermsVersion: versions.terms.version,
    });
    for (let i = 0; i < 3; i += 1)
      expect((await (i % 2 ? a : b).post('/api/auth/signup', body(), from)).status).toBe(201);
    const before = await countRows(knex, ['users', 'sessions', 'user_consents']);
    const refused = await a.post('/api/auth/signup', body(), from);
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await countRows(knex, ['users', 'sessions', 'user_consents'])).toEqual(before);
    expect((await b.post('/api/auth/signup', body(), newAddress())).status).toBe(201);
  });

  it('counts an IPv6 client by its /64', async () => {
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    const bodies = [1, 2, 3, 4].map((n) => ({ token: `${'x'.repeat(40)}${n}`, password: 'a good new password' }));
    for (const [n, body] of bodies.slice(0, 3).entries())
      expectProblem(
        await a.post('/api/auth/set-password', body, { 'x-forwarded-for': `2001:db8:aa:bb::${n + 1}` }),
        400,
        'validation_failed',
      );
    expectProblem(
      await b.post('/api/auth/set-password', bodies[3], { 'x-forwarded-for': '2001:db8:aa:bb:ffff::9' }),
      429,
      'rate_limited',
    );
    expectProblem(
      await b.post('/api/auth/set-password', bodies[3], { 'x-forwarded-for': '2001:db8:aa:bc::1' }),
      400,
      'validation_failed',
    );
  });

  it('keeps no address and no email in the limiter table', async () => {
    const rows = await knex('rate_limits').select('*');
    expect(rows.length).toBeGreaterThan(5);
    const dump = JSON.stringify(rows);
    expect(dump).not.toMatch(/@|198\.51\.100|2001:db8|127\.0\.0\.1/);
    for (const row of rows) expect(row.key).toMatch(/^[a-z-]+:[0-9a-f]{64}$/);
  });
});

describe('TRUST_PROXY', () => {
  it('with false, ignores X-Forwarded-For: every request counts for the connecting address', async () => {
    const untrusting = await startReplica(stack, { ...stack.config, TRUST_PROXY: false });
    try {
      const bogus = { token: 'y'.repeat(43), password: 'a good new password' };
      for (let i = 0; i < 3; i += 1)
        expectProblem(
          await untrusting.http.post('/api/auth/set-password', bogus, newAddress()),
          400,
          'validation_failed',
        );
      expectProblem(await untrusting.http.post('/api/auth/set-password', bogus, newAddress()), 429, 'rate_limited');
    } finally {
      await untrusting.close();
    }
  });
});

describe('refusals: metrics for anonymous ones, the audit log for signed-in ones', () => {
  const metric = async (name: string, labels: string) => {
    const text = (await a.get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('counts anonymous 401s and 429s without audit rows, and audits a signed-in user’s 403', async () => {
    const student = await createTestUser(knex);
    const route = 'route="/api/admin/users",status_code="401"';
    const before = {
      audit: await countRows(knex, ['audit_logs']),
      refusals: await metric('http_anonymous_refusals_total', route),
    };
    for (let i = 0; i < 3; i += 1)
      expectProblem(
        await a.post('/api/admin/users', { email: uniqueEmail(), fullName: 'X', role: 'admin' }),
        401,
        'unauthenticated',
      );
    expectProblem(await login(a, uniqueEmail('nobody'), 'whatever password'), 401, 'unauthenticated');
    expect(await countRows(knex, ['audit_logs'])).toEqual(before.audit);
    expect(await metric('http_anonymous_refusals_total', route)).toBe(before.refusals + 3);
    expect(await metric('http_rate_limited_total', 'limiter="login-account"')).toBeGreaterThan(0);
    expect(await metric('http_anonymous_refusals_total', 'route="/api/auth/login",status_code="429"')).toBeGreaterThan(
      0,
    );

    expectProblem(
      await a.as(student.token).post('/api/admin/users', { email: uniqueEmail(), fullName: 'X', role: 'admin' }),
      403,
      'forbidden',
    );
    const audited = await knex('audit_logs').where({ actorId: student.user.id, action: 'admin.user_created' });
    expect(audited).toMatchObject([{ outcome: 'failure', details: { status: 403 } }]);
  });
});
