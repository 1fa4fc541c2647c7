import * as oidc from 'openid-client';
import type { Config } from '../config';

export type OAuthProviderName = 'github' | 'google';

/** What Cohort needs from a provider's account: a stable id and a verified email. */
export interface OAuthProfile {
  providerUserId: string;
  email: string | null;
  fullName: string | null;
}

export interface OAuthProvider {
  name: OAuthProviderName;
  scope: string;
  /** OIDC providers return an ID token, checked against a nonce. */
  oidc: boolean;
  configuration(): Promise<oidc.Configuration>;
  fetchProfile(
    configuration: oidc.Configuration,
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  ): Promise<OAuthProfile>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
// Plain http is allowed only for loopback peers (the local mock provider in tests and dev).
const allowLoopbackHttp = (configuration: oidc.Configuration, url: string) => {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname)) oidc.allowInsecureRequests(configuration);
};

/** Retries discovery after a failure instead of caching the rejection. */
function memoize(build: () => Promise<oidc.Configuration>): () => Promise<oidc.Configuration> {
  let pending: Promise<oidc.Configuration> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

function gitHubProvider(config: Config, clientId: string, clientSecret: string): OAuthProvider {
  return {
    name: 'github',
    scope: 'read:user user:email',
    oidc: false,
    // GitHub is plain OAuth 2 (no discovery): its endpoints are configured one by one.
    configuration: memoize(async () => {
      const configuration = new oidc.Configuration(
        {
          issuer: new URL(config.OAUTH_GITHUB_AUTHORIZE_URL).origin,
          authorization_endpoint: config.OAUTH_GITHUB_AUTHORIZE_URL,
          token_endpoint: config.OAUTH_GITHUB_TOKEN_URL,
        },
        clientId,
        clientSecret,
      );
      allowLoopbackHttp(configuration, config.OAUTH_GITHUB_TOKEN_URL);
      return configuration;
    }),
    async fetchProfile(configuration, tokens) {
      const get = async <T>(url: string): Promise<T> => {
        const res = await oidc.fetchProtectedResource(
          configuration,
          tokens.access_token,
          new URL(url),
          'GET',
          undefined,
          new Headers({ accept: 'application/json' }),
        );
        if (!res.ok) throw new Error(`GitHub answered ${res.status}`);
        return (await res.json()) as T;
      };
      const user = await get<{ id: number | string; login?: string; name?: string | null }>(
        config.OAUTH_GITHUB_USERINFO_URL,
      );
      // The public profile email may be unverified; the emails API says which one is.
      const emails = await get<GitHubEmail[]>(config.OAUTH_GITHUB_EMAILS_URL);
      const verified = Array.isArray(emails) ? emails.filter((e) => e.verified && typeof e.email === 'string') : [];
      const email = (verified.find((e) => e.primary) ?? verified[0])?.email ?? null;
      return { providerUserId: String(user.id), email, fullName: user.name ?? user.login ?? null };
    },
  };
}

function googleProvider(config: Config, clientId: string, clientSecret: string): OAuthProvider {
  return {
    name: 'google',
    scope: 'openid email profile',
    oidc: true,
    configuration: memoize(async () => {
      const issuer = new URL(config.OAUTH_GOOGLE_ISSUER);
      const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
      return oidc.discovery(
        issuer,
        clientId,
        clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    }),
    async fetchProfile(configuration, tokens) {
      const claims = tokens.claims();
      if (!claims) throw new Error('no ID token');
      const info = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      const email = info.email_verified === true && typeof info.email === 'string' ? info.email : null;
      return { providerUserId: claims.sub, email, fullName: typeof info.name === 'string' ? info.name : null };
    },
  };
}

/** The providers with credentials configured; an unconfigured one does not exist (404). */
export function configuredOAuthProviders(config: Config): Map<string, OAuthProvider> {
  const providers = new Map<string, OAuthProvider>();
  if (config.OAUTH_GITHUB_CLIENT_ID && config.OAUTH_GITHUB_CLIENT_SECRET) {
    providers.set('github', gitHubProvider(config, config.OAUTH_GITHUB_CLIENT_ID, config.OAUTH_GITHUB_CLIENT_SECRET));
  }
  if (config.OAUTH_GOOGLE_CLIENT_ID && config.OAUTH_GOOGLE_CLIENT_SECRET) {
    providers.set('google', googleProvider(config, config.OAUTH_GOOGLE_CLIENT_ID, config.OAUTH_GOOGLE_CLIENT_SECRET));
  }
  return providers;
}
