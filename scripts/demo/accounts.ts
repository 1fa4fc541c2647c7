import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { linkToken, outboxDir, outboxMessagesTo } from '../lib/outbox';
import { PROJECT_ROOT } from '../lib/tools';
import { expectStatus } from './runner';
import type { DemoStage } from './types';

/**
 * One new student: sign-up accepting the active policies, login, profile, the email
 * address verified with the link from the sign-up's verify-email message (API.md,
 * "Accounts and consent"). The link is read where a developer finds it: the dev outbox's
 * .eml files under DATA_DIR (default .data), on the machine that runs the stack.
 */
const dataDir = resolve(PROJECT_ROOT, process.env.DATA_DIR ?? '.data');

export const stages: DemoStage[] = [
  {
    name: 'signed up with consent',
    async run(ctx) {
      const policies = await ctx.request('GET', '/api/policies/current');
      expectStatus(policies, 200, 'GET /api/policies/current');
      const privacyVersion = policies.body?.privacy?.version;
      const termsVersion = policies.body?.terms?.version;
      if (!privacyVersion || !termsVersion) throw new Error('no active privacy policy or terms');

      const email = `demo+${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
      const password = `Demo-${randomBytes(12).toString('base64url')}`;
      const signup = await ctx.request('POST', '/api/auth/signup', {
        body: {
          email,
          password,
          fullName: 'Demo Student',
          acceptPrivacyVersion: privacyVersion,
          acceptTermsVersion: termsVersion,
          marketingConsent: false,
          dataRetentionConsent: false,
        },
      });
      expectStatus(signup, 201, 'POST /api/auth/signup');
      if (!signup.body?.token || !signup.body?.user?.id) throw new Error('sign-up answered without a token and user');
      Object.assign(ctx.state, {
        email,
        password,
        privacyVersion,
        termsVersion,
        token: signup.body.token,
        userId: signup.body.user.id,
      });
    },
  },
  {
    name: 'logged in',
    async run(ctx) {
      const login = await ctx.request('POST', '/api/auth/login', {
        body: { email: ctx.state.email, password: ctx.state.password },
      });
      expectStatus(login, 200, 'POST /api/auth/login');
      if (!login.body?.token) throw new Error('login answered without a token');
      if (login.body.user?.id !== ctx.state.userId) throw new Error('login answered another user');
      ctx.state.token = login.body.token;
      ctx.state.studentToken = login.body.token;
    },
  },
  {
    name: 'profile read',
    async run(ctx) {
      const me = await ctx.request('GET', '/api/me', { token: ctx.state.token });
      expectStatus(me, 200, 'GET /api/me');
      if (me.body.id !== ctx.state.userId || me.body.email !== ctx.state.email)
        throw new Error('/api/me answered another user');
      if (me.body.privacyAccepted !== true || me.body.privacyVersion !== ctx.state.privacyVersion) {
        throw new Error('/api/me does not show the accepted privacy policy');
      }
    },
  },
  {
    name: 'email verified',
    async run(ctx) {
      const message = await ctx.waitFor(
        `the verify-email message in ${outboxDir(dataDir)} (the dev outbox: no POSTMARK_SERVER_TOKEN)`,
        async () => outboxMessagesTo(dataDir, ctx.state.email, 'verify-email')[0],
        30_000,
      );
      const token = linkToken(message.text, 'verify-email');
      if (!token) throw new Error(`${message.file} holds no /verify-email#token= link`);
      expectStatus(
        await ctx.request('POST', '/api/auth/verify-email', { body: { token } }),
        200,
        'POST /api/auth/verify-email',
      );
      const me = await ctx.request('GET', '/api/me', { token: ctx.state.token });
      if (me.body?.emailVerified !== true) throw new Error('/api/me does not show the email as verified');
    },
  },
  {
    // Later stages act as staff. DEMO_ADMIN_EMAIL/PASSWORD name an existing admin;
    // otherwise one is made with `npm run create-admin` (same machine, same database).
    name: 'admin signed in',
    async run(ctx) {
      let email = process.env.DEMO_ADMIN_EMAIL;
      let password = process.env.DEMO_ADMIN_PASSWORD;
      if (!email || !password) {
        email = `demo-admin+${randomBytes(4).toString('hex')}@example.com`;
        password = `Admin-${randomBytes(12).toString('base64url')}`;
        await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', 'scripts/create-admin.ts', '--email', email, '--password', password],
          { cwd: PROJECT_ROOT },
        );
      }
      const login = await ctx.request('POST', '/api/auth/login', { body: { email, password } });
      expectStatus(login, 200, 'POST /api/auth/login (admin)');
      const token: string = login.body.token;
      if (login.body.user?.privacyVersion !== ctx.state.privacyVersion) {
        expectStatus(
          await ctx.request('POST', '/api/policies/accept', {
            token,
            body: { privacyVersion: ctx.state.privacyVersion, termsVersion: ctx.state.termsVersion },
          }),
          201,
          'POST /api/policies/accept (admin)',
        );
      }
      ctx.state.adminToken = token;
    },
  },
];
