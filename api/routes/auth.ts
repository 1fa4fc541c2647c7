import { z } from 'zod';
import { createSession } from '../../lib/accounts/create-session';
import { loadPresentedUser, presentUser } from '../../lib/accounts/present-user';
import { setPasswordWithToken } from '../../lib/accounts/set-password-tokens';
import { signUp } from '../../lib/accounts/sign-up';
import { hashPassword } from '../../lib/auth/passwords';
import { verifyCredentials } from '../../lib/accounts/verify-credentials';
import { sessionsRepo } from '../../lib/db/repositories/sessions';
import { errors } from '../../lib/errors';
import { audited } from '../http/audit';
import { currentAuth, requireUser } from '../http/auth';
import { requestContext } from '../http/context';
import { rateLimit } from '../http/rate-limit';
import { ApiRouter, problem } from '../http/route';
import { clearSessionCookie, handOverSession } from '../http/session-cookie';
import { emailField, fullNameField, passwordField, tokenAndUserSchema, versionField } from './account-schemas';
import type { RouterFactory } from './index';

const signUpBody = z.strictObject({
  email: emailField,
  password: passwordField,
  fullName: fullNameField,
  acceptPrivacyVersion: versionField,
  acceptTermsVersion: versionField,
  marketingConsent: z.boolean().optional(),
  dataRetentionConsent: z.boolean().optional(),
});

// Login checks only shape and size: a wrong-but-well-formed password must look like any other failure.
const loginBody = z.strictObject({ email: emailField, password: z.string().min(1).max(200) });
// Tokens are 43 base64url characters (32 random bytes).
const setPasswordBody = z.strictObject({
  token: z
    .string()
    .min(20)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a set-password token'),
  password: passwordField,
});

export const createAuthRouter: RouterFactory = (deps, registry) => {
  const { knex, config } = deps;
  const api = new ApiRouter(registry);
  const tooMany = problem('Too many attempts from this address or for this account (Retry-After says when to retry)');

  api.route(
    {
      method: 'post',
      path: '/api/auth/signup',
      summary: 'Sign up, accepting the active privacy policy and terms',
      tags: ['Accounts'],
      body: signUpBody,
      responses: { 201: { description: 'Signed up and signed in', schema: tokenAndUserSchema }, 429: tooMany },
    },
    [audited(knex, 'auth.signup'), rateLimit('signup-ip', deps)],
    async ({ body }, req, res) => {
      const context = requestContext(req);
      const { password, ...rest } = body;
      const passwordHash = await hashPassword(password);
      const { user, session } = await knex.transaction(async (trx) => {
        const created = await signUp(trx, { ...rest, passwordHash }, context);
        return { user: created, session: await createSession(trx, created.id, config.SESSION_TTL, context) };
      });
      handOverSession(res, config, user.id, session);
      res.locals.auditDetails = {
        privacyVersion: user.privacyVersion,
        termsVersion: user.termsVersion,
        marketingConsent: user.marketingConsent,
        dataRetentionConsent: user.dataRetentionConsent,
      };
      res.status(201).json({ token: session.token, user: presentUser(user) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in with email and password',
      tags: ['Accounts'],
      body: loginBody,
      responses: {
        200: { description: 'Signed in', schema: tokenAndUserSchema },
        401: problem('Email or password is wrong (the same answer for both)'),
        429: tooMany,
      },
    },
    [audited(knex, 'auth.login'), rateLimit('login-ip', deps), rateLimit('login-account', deps)],
    async ({ body }, req, res) => {
      const { user, knownUserId } = await verifyCredentials(knex, body.email, body.password);
      if (!user) {
        // Attribute the failure to the account (by id) when there is one; never store the email.
        res.locals.auditUserId = knownUserId;
        throw errors.unauthenticated('Email or password is wrong.');
      }
      const session = await createSession(knex, user.id, config.SESSION_TTL, requestContext(req));
      handOverSession(res, config, user.id, session);
      res.json({ token: session.token, user: await loadPresentedUser(knex, user) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/auth/set-password',
      summary: 'Choose a first password with the single-use link from the welcome email',
      tags: ['Accounts'],
      body: setPasswordBody,
      responses: { 200: { description: 'Password set and signed in', schema: tokenAndUserSchema }, 429: tooMany },
    },
    [audited(knex, 'auth.password_set'), rateLimit('set-password-ip', deps)],
    async ({ body }, req, res) => {
      const user = await setPasswordWithToken(knex, body.token, await hashPassword(body.password));
      if (!user)
        throw errors.validation('This link is invalid, used or expired; ask an admin for a new one.', [
          { path: 'token', message: 'invalid, used or expired' },
        ]);
      const session = await createSession(knex, user.id, config.SESSION_TTL, requestContext(req));
      handOverSession(res, config, user.id, session);
      res.json({ token: session.token, user: await loadPresentedUser(knex, user) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Sign out: revokes this session',
      tags: ['Accounts'],
      secured: true,
      responses: { 204: { description: 'Signed out' } },
    },
    [requireUser({ consent: false }), audited(knex, 'auth.logout')],
    async (_input, req, res) => {
      await sessionsRepo.revoke(knex, currentAuth(req).sessionId);
      clearSessionCookie(res, config);
      res.status(204).end();
    },
  );

  return { router: api.router };
};
