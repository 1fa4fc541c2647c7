import { z } from 'zod';
import { createSession } from '../../lib/accounts/create-session';
import { loadPresentedUser, presentUser } from '../../lib/accounts/present-user';
import { setPasswordWithToken } from '../../lib/accounts/set-password-with-token';
import { signUp } from '../../lib/accounts/sign-up';
import { hashPassword } from '../../lib/auth/passwords';
import { verifyCredentials } from '../../lib/accounts/verify-credentials';
import { verifyEmailWithToken } from '../../lib/accounts/verify-email-with-token';
import { sessionsRepo } from '../../lib/db/repositories/sessions';
import { usersRepo } from '../../lib/db/repositories/users';
import { errors } from '../../lib/errors';
import { audited } from '../http/audit';
import { currentAuth, requireUser } from '../http/auth';
import { requestContext } from '../http/context';
import { rateLimit } from '../http/rate-limit';
import { ApiRouter, problem } from '../http/route';
import { clearSessionCookie, handOverSession } from '../http/session-cookie';
import { startEmailVerification, startPasswordReset } from '../workflows/account-email';
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
const verifyEmailBody = z.strictObject({ token: linkTokenField });
const forgotPasswordBody = z.strictObject({ email: emailField });
const acceptedSchema = z.object({ status: z.literal('accepted') });

const invalidLink = (advice: string) =>
  errors.validation(`This link is invalid, used or expired; ${advice}`, [
    { path: 'token', message: 'invalid, used or expired' },
  ]);

/**
 * forgot-password answers no sooner than this, whether or not the account exists, so the
 * answer's timing does not tell (starting the reset workflow takes a few milliseconds).
 */
export const FORGOT_PASSWORD_ANSWER_MS = 250;
const notBefore = async (startedAt: number, ms: number) => {
  const left = startedAt + ms - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
};

export const createAuthRouter: RouterFactory = (deps, registry) => {
  const { knex, config } = deps;
  const api = new ApiRouter(registry);
  const tooMany = problem('Too many attempts from this address or for this account (Retry-After says when to retry)');

  api.route(
    {
      method: 'post',
      path: '/api/auth/signup',
      summary: 'Sign up, accepting the active privacy policy and terms; a verify-email message follows',
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
        const session = await createSession(trx, created.id, config.SESSION_TTL, context);
        // The account commits only if the workflow that sends its verify-email started (convention 11).
        await startEmailVerification(deps, created.id);
        return { user: created, session };
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
      summary: 'Choose a password with a single-use link (welcome set-password or password-reset)',
      description:
        'Spends the link, sets the password, marks the email verified (the link came through the mailbox) and revokes every other session of the user; answers with a new session.',
      tags: ['Accounts'],
      body: setPasswordBody,
      responses: { 200: { description: 'Password set and signed in', schema: tokenAndUserSchema }, 429: tooMany },
    },
    [audited(knex, 'auth.password_set'), rateLimit('set-password-ip', deps)],
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
      path: '/api/auth/verify-email',
      summary: 'Confirm the email address with the single-use link from the verify-email message',
      description: "Spends the link and sets the account's email as verified (`emailVerified` in `/api/me`).",
      tags: ['Accounts'],
      body: verifyEmailBody,
      responses: {
        200: { description: 'Email verified', schema: z.object({ emailVerified: z.literal(true) }) },
        429: tooMany,
      },
    },
    [audited(knex, 'auth.email_verified'), rateLimit('verify-email-ip', deps)],
    async ({ body }, _req, res) => {
      const user = await knex.transaction((trx) => verifyEmailWithToken(trx, body.token));
      if (!user) throw invalidLink('sign in and ask for a new one, or reset your password.');
      res.locals.auditUserId = user.id;
      res.json({ emailVerified: true });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api/auth/forgot-password',
      summary: 'Ask for a password-reset link by email',
      description:
        'Always 202 with the same body, whether or not an account uses the address (no account enumeration); sends `password-reset` when one does. Requests within a minute share one message.',
      tags: ['Accounts'],
      body: forgotPasswordBody,
      responses: { 202: { description: 'Accepted', schema: acceptedSchema }, 429: tooMany },
    },
    [
      audited(knex, 'auth.password_reset_requested'),
      rateLimit('forgot-password-ip', deps),
      rateLimit('forgot-password-account', deps),
    ],
    async ({ body }, _req, res) => {
      const startedAt = Date.now();
      const user = await usersRepo.findByEmail(knex, body.email);
      if (user && !user.anonymized) {
        await startPasswordReset(deps, user.id);
        res.locals.auditUserId = user.id;
      }
      await notBefore(startedAt, FORGOT_PASSWORD_ANSWER_MS);
      res.status(202).json({ status: 'accepted' });
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
