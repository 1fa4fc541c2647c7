import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { hashToken } from '../../lib/auth/tokens';
import type { Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { expectProblem, signUpOverHttp } from '../helpers/accounts';
import { HttpClient, rawRequest } from '../helpers/http';
import { startStack, type TestStack } from '../helpers/stack';
import { createTestUser } from '../helpers/users';

const FRONTEND = 'http://frontend.test';
const CHROMIUM = '/usr/bin/chromium';
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ worker: false, env: { FRONTEND_URL: `${FRONTEND}/app` } });
});
afterAll(async () => {
  await stack?.close();
});

/** The same API built with another configuration, on the stack's database. */
async function startVariant(config: Config) {
  const app = createApp({
    config,
    knex: stack.knex,
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
    },
  };
}

const cookieOf = (res: { headers: Headers }, name: string) =>
  res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

describe('security headers', () => {
  it('sends helmet’s headers and a CSP that lets an API answer load nothing', async () => {
    for (const path of ['/api/tracks', '/healthz', '/api/no-such-thing']) {
      const res = await stack.http.get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      // The id of its request line, for support to find it.
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('still serves /api/docs and every asset its page references', async () => {
    const page = await stack.http.get('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-eval'");
    const assets = [...page.text.matchAll(/(?:src|href)="(\.\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['./swagger-ui.css', './swagger-ui-bundle.js', './swagger-ui-init.js']),
    );
    for (const asset of assets) {
      const res = await stack.http.get(`/api/docs/${asset.slice(2)}`);
      expect(res.status, asset).toBe(200);
      const type = asset.endsWith('.css') ? /text\/css/ : asset.endsWith('.png') ? /image\/png/ : /javascript/;
      expect(res.headers.get('content-type'), asset).toMatch(type);
    }
    expect((await stack.http.get('/api/docs/swagger-ui-init.js')).text).toContain('/api/auth/login');
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'renders /api/docs in Chromium without a CSP violation',
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || /Content Security Policy/i.test(message.text()))
            problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        // Runs in the page (a string: this file is compiled without the DOM library).
        await page.addInitScript({
          content: `document.addEventListener('securitypolicyviolation', (e) =>
          console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
        });
        await page.goto(`${stack.baseUrl}/api/docs/`, { waitUntil: 'networkidle' });
        await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
        expect(await page.textContent('.swagger-ui .info .title')).toContain('Cohort');
        expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});

describe('requests Node refuses before the app sees them', () => {
  it('answer problem+json too: oversized headers 431, malformed HTTP 400', async () => {
    const host = new URL(stack.baseUrl).host;
    const cases = [
      { bytes: `GET /api/tracks?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, status: 431 },
      { bytes: `GET /api/tracks HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`, status: 431 },
      { bytes: 'NOT HTTP AT ALL\r\n\r\n', status: 400 },
    ];
    for (const { bytes, status } of cases) {
      const answer = await rawRequest(stack.baseUrl, bytes);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body!)).toMatchObject({ status, code: 'validation_failed', title: expect.any(String) });
    }
    expect((await stack.http.get('/api/tracks')).status).toBe(200);
  });
});

describe('changes signed in by cookie', () => {
  const cookieHeader = (token: string) => ({ cookie: `cohort_session=${token}` });

  it('need a JSON body or this application’s Origin, else 403 and nothing changes', async () => {
    const { token } = await signUpOverHttp(stack.http);
    const formLike = { ...cookieHeader(token), 'content-type': 'application/x-www-form-urlencoded' };
    for (const headers of [
      formLike,
      { ...formLike, origin: 'https://evil.example' },
      { ...cookieHeader(token), 'content-type': 'text/plain' },
      { ...formLike, origin: 'null' },
    ]) {
      expectProblem(await stack.http.request('POST', '/api/auth/logout', 'x=1', headers), 403, 'forbidden');
      expectProblem(await stack.http.request('PATCH', '/api/me', 'fullName=Mallory', headers), 403, 'forbidden');
    }
    const me = await stack.http.get('/api/me', cookieHeader(token));
    expect(me.status).toBe(200);
    expect(me.body.fullName).toBe('Ada Lovelace');

    // JSON passes (a cross-site page cannot send it without a preflight this API never grants).
    const renamed = await stack.http.request('PATCH', '/api/me', { fullName: 'Ada King' }, cookieHeader(token));
    expect(renamed.status, renamed.text).toBe(200);
    // So does the front end's or the API's own Origin, whatever the body.
    const { token: second } = await signUpOverHttp(stack.http);
    const out = await stack.http.request('POST', '/api/auth/logout', undefined, {
      ...cookieHeader(second),
      origin: FRONTEND,
    });
    expect(out.status, out.text).toBe(204);
    const own = await stack.http.request('POST', '/api/auth/logout', undefined, {
      ...cookieHeader(token),
      origin: new URL(stack.config.PUBLIC_BASE_URL).origin,
    });
    expect(own.status, own.text).toBe(204);
  });

  it('leave Bearer requests and reads alone', async () => {
    const { token } = await signUpOverHttp(stack.http);
    expect((await stack.http.get('/api/me', { ...cookieHeader(token), origin: 'https://evil.example' })).status).toBe(
      200,
    );
    const bearer = await stack.http.request('POST', '/api/auth/logout', 'x=1', {
      authorization: `Bearer ${token}`,
      'content-type': 'text/plain',
    });
    expect(bearer.status, bearer.text).toBe(204);
  });
});

describe('the session cookie', () => {
  it('is cohort_session outside production', async () => {
    const { email, password } = await signUpOverHttp(stack.http);
    const login = await stack.http.post('/api/auth/login', { email, password });
    expect(cookieOf(login, 'cohort_session')).toMatch(/; Path=\/; .*HttpOnly; SameSite=Lax/);
  });

  it('is __Host-cohort_session, Secure, path /, no Domain in production, and the unprefixed one is ignored', async () => {
    const production = await startVariant({ ...stack.config, NODE_ENV: 'production' });
    try {
      const { email, password } = await signUpOverHttp(production.http);
      const login = await production.http.post('/api/auth/login', { email, password });
      expect(login.status).toBe(200);
      const cookie = cookieOf(login, '__Host-cohort_session')!;
      expect(cookie).toBe(
        `__Host-cohort_session=${login.body.token}; Path=/; Expires=${new Date(
          (await stack.knex('sessions').orderBy('createdAt', 'desc').first()).expiresAt,
        ).toUTCString()}; HttpOnly; Secure; SameSite=Lax`,
      );
      expect(cookie).not.toMatch(/Domain/i);
      const token = login.body.token as string;
      expect((await production.http.get('/api/me', { cookie: `__Host-cohort_session=${token}` })).status).toBe(200);
      expectProblem(
        await production.http.get('/api/me', { cookie: `cohort_session=${token}` }),
        401,
        'unauthenticated',
      );
      const logout = await production.http.request(
        'POST',
        '/api/auth/logout',
        {},
        {
          cookie: `__Host-cohort_session=${token}`,
        },
      );
      expect(logout.status).toBe(204);
      expect(cookieOf(logout, '__Host-cohort_session')).toMatch(
        /^__Host-cohort_session=; Path=\/; Expires=Thu, 01 Jan 1970/,
      );
    } finally {
      await production.close();
    }
  });
});

describe('session idle timeout', () => {
  const session = (token: string) => stack.knex('sessions').where({ tokenHash: hashToken(token) });
  const setLastSeen = (token: string, ago: string) =>
    session(token).update({ lastSeenAt: stack.knex.raw('now() - ?::interval', [ago]) });
  const lastSeen = async (token: string) => (await session(token).first()).lastSeenAt as Date;

  it('ends a session unused for SESSION_IDLE_TIMEOUT (7 days) though its lifetime runs on', async () => {
    const { token } = await createTestUser(stack.knex);
    await setLastSeen(token, '7 days 1 minute');
    expectProblem(await stack.http.as(token).get('/api/me'), 401, 'unauthenticated');
  });

  it('records use at most once a minute: an old last use is moved to now, a fresh one left alone', async () => {
    const { token } = await createTestUser(stack.knex);
    await setLastSeen(token, '6 days');
    expect((await stack.http.as(token).get('/api/me')).status).toBe(200);
    expect(Date.now() - (await lastSeen(token)).getTime()).toBeLessThan(10_000);
    await setLastSeen(token, '20 seconds');
    const before = await lastSeen(token);
    expect((await stack.http.as(token).get('/api/me')).status).toBe(200);
    expect(await lastSeen(token)).toEqual(before);
  });
});
