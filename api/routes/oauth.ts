import * as oidc from 'openid-client';
import type { Request } from 'express';
import { z } from 'zod';
import { createSession } from '../../lib/accounts/create-session';
import { signInWithOAuth } from '../../lib/accounts/sign-in-with-oauth';
import { configuredOAuthProviders, type OAuthProvider } from '../../lib/auth/oauth';
import type { Config } from '../../lib/config';
import { errors } from '../../lib/errors';
import { audited } from '../http/audit';
import { requestContext } from '../http/context';
import { clearOAuthStateCookie, readOAuthStateCookie, setOAuthStateCookie } from '../http/oauth-state-cookie';
import { ApiRouter } from '../http/route';
import { handOverSession } from '../http/session-cookie';
import type { RouterFactory } from './index';

const providerParams = z.object({ provider: z.string().max(20) });
const callbackQuery = z
  .object({
    code: z.string().max(2000).optional(),
    state: z.string().max(500).optional(),
    error: z.string().max(200).optional(),
  })
  .catchall(z.string().max(2000));

/**
 * OAUTH_REDIRECT_BASE_URL when set (production); else this request's own origin, which
 * providers accept only when it is a registered redirect URI.
 */
const callbackUrl = (config: Config, req: Request, provider: string) =>
  new URL(
    `/api/auth/oauth/${provider}/callback`,
    config.OAUTH_REDIRECT_BASE_URL ?? `${req.protocol}://${req.get('host')}`,
  );

export const createOAuthRouter: RouterFactory = ({ knex, config }, registry) => {
  const api = new ApiRouter(registry);
  const providers = configuredOAuthProviders(config);
  const providerFor = (name: string): OAuthProvider => {
    const provider = providers.get(name);
    if (!provider) throw errors.notFound('Sign-in provider');
    return provider;
  };

  api.route(
    {
      method: 'get',
      path: '/api/auth/oauth/:provider/start',
      summary: 'Start signing in with GitHub or Google',
      tags: ['Accounts'],
      params: providerParams,
      responses: { 302: { description: 'To the provider' } },
    },
    [],
    async ({ params }, req, res) => {
      const provider = providerFor(params.provider);
      const configuration = await provider.configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = provider.oidc ? oidc.randomNonce() : undefined;
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: callbackUrl(config, req, provider.name).href,
        scope: provider.scope,
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        ...(nonce ? { nonce } : {}),
      });
      setOAuthStateCookie(res, config, { provider: provider.name, state, codeVerifier, nonce });
      res.redirect(302, url.href);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/auth/oauth/:provider/callback',
      summary: 'Provider callback: signs in, then redirects to the front end with the token in the fragment',
      tags: ['Accounts'],
      params: providerParams,
      query: callbackQuery,
      responses: { 302: { description: 'To the front end, `#token=…`' } },
    },
    [
      audited(knex, 'auth.oauth_login', {
        resource: (req) =>
          providers.has(String(req.params.provider)) ? `oauth:${String(req.params.provider)}` : undefined,
      }),
    ],
    async ({ params, query }, req, res) => {
      const provider = providerFor(params.provider);
      const saved = readOAuthStateCookie(req, config);
      clearOAuthStateCookie(res);
      if (!saved || saved.provider !== provider.name || !query.state || query.state !== saved.state) {
        throw errors.validation('The sign-in attempt expired or did not start here; start again.');
      }
      if (query.error || !query.code) throw errors.unauthenticated('The provider did not sign you in.');

      const configuration = await provider.configuration();
      const current = callbackUrl(config, req, provider.name);
      current.search = new URLSearchParams(
        Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ).toString();
      let profile;
      try {
        const tokens = await oidc.authorizationCodeGrant(configuration, current, {
          pkceCodeVerifier: saved.codeVerifier,
          expectedState: saved.state,
          ...(saved.nonce ? { expectedNonce: saved.nonce } : {}),
        });
        profile = await provider.fetchProfile(configuration, tokens);
      } catch (error) {
        req.log?.warn({ err: error, provider: provider.name }, 'oauth exchange failed');
        throw errors.unauthenticated('Signing in with the provider failed.');
      }
      if (!profile.email) throw errors.unauthenticated('The provider has no verified email for this account.');

      const context = requestContext(req);
      const identity = {
        provider: provider.name,
        providerUserId: profile.providerUserId,
        email: profile.email,
        fullName: profile.fullName?.slice(0, 200) || profile.email.split('@')[0]!,
      };
      const { user, created, takenOver, session } = await knex.transaction(async (trx) => {
        const result = await signInWithOAuth(trx, identity);
        return { ...result, session: await createSession(trx, result.user.id, config.SESSION_TTL, context) };
      });
      handOverSession(res, config, user.id, session);
      res.locals.auditDetails = { provider: provider.name, created, ...(takenOver ? { takenOver } : {}) };
      // The token rides in the fragment, which browsers never send to a server or a Referer.
      const target = new URL(config.FRONTEND_URL ?? config.PUBLIC_BASE_URL);
      target.hash = new URLSearchParams({ token: session.token, provider: provider.name }).toString();
      res.redirect(302, target.href);
    },
  );

  return { router: api.router };
};
