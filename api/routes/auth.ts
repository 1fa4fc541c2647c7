import { z } from 'zod';
import { createSession } from '../../lib/accounts/create-session';
import { loadPresentedUser, presentUser } from '../../lib/accounts/present-user';
import { setPasswordWithToken } from '../../lib/accounts/set-password-with-token';
import { signUp } from '../../lib/accounts/sign-up';
import { hashPassword } from '../../lib/auth/passwords';
import { verifyCredentials } from '../../lib/accounts/verify-credentials';
import { sessionsRepo } from '../../lib/db/repositories/sessions';
import { errors } from '../../lib/errors';
import { audited } from '../http/audit';
import { currentAuth, requireUser } from '../http/auth';
import { requestContext } from '../http/context';
import { loginRateLimit } from '../http/login-rate-limit';
import { ApiRouter } from '../http/route';
import { clearSessionCookie, handOverSession } from '../http/session-cookie';
import {
  emailField,
  fullNameField,
  linkTokenField,
  passwordField,
  tokenAndUserSchema,
  versionField,
} from './account-schemas';
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
const setPasswordBody = z.strictObject({ token: linkTokenField, password: passwordField });

const invalidLink = (advice: string) =>
  errors.validation(`This link is invalid, used or expired; ${advice}`, [
    { path: 'token', message: 'invalid, used or expired' },
  ]);

export const createAuthRouter: RouterFactory = ({ knex, config }, registry) => {
  const api = new ApiRouter(registry);

  api.route(
    {
      method: 'post',
      path: '/api/auth/signup',
      summary: 'Sign up, accepting the active privacy policy and terms',
      tags: ['Accounts'],
      body: signUpBody,
      responses: { 201: { description: 'Signed up and signed in', schema: tokenAndUserSchema } },
    },
    [audited(knex, 'auth.signup')],
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
      responses: { 200: { description: 'Signed in', schema: tokenAndUserSchema } },
    },
    [audited(knex, 'auth.login'), loginRateLimit(config)],
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
      summary: 'Choose a password with a single-use link (welcome set-password or password-reset)',
      description:
        'Spends the link, sets the password, marks the email verified (the link came through the mailbox) and revokes every other session of the user; answers with a new session.',
      tags: ['Accounts'],
      body: setPasswordBody,
      responses: { 200: { description: 'Password set and signed in', schema: tokenAndUserSchema } },
    },
    [audited(knex, 'auth.password_set')],
    async ({ body }, req, res) => {
      const passwordHash = await hashPassword(body.password);
      const done = await knex.transaction(async (trx) => {
        const user = await setPasswordWithToken(trx, body.token, passwordHash);
        if (!user) return undefined;
        return { user, session: await createSession(trx, user.id, config.SESSION_TTL, requestContext(req)) };
      });
      if (!done) throw invalidLink('ask for a new one with "forgot password".');
      handOverSession(res, config, done.user.id, done.session);
      res.json({ token: done.session.token, user: await loadPresentedUser(knex, done.user) });
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
