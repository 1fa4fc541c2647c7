import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../../lib/config';

export const OAUTH_STATE_COOKIE = 'cohort_oauth';
const TTL_MS = 10 * 60_000;

export interface OAuthState {
  provider: string;
  state: string;
  codeVerifier: string;
  nonce?: string;
  expiresAt: number;
}

const sign = (config: Config, payload: string) =>
  createHmac('sha256', Buffer.from(config.COHORT_ENCRYPTION_KEY, 'hex'))
    .update(`oauth-state:${payload}`)
    .digest('base64url');

/**
 * The state, PKCE verifier and nonce travel in a signed, httpOnly, ten-minute cookie
 * scoped to the OAuth paths; SameSite=Lax lets it ride the provider's redirect back.
 */
export function setOAuthStateCookie(res: Response, config: Config, value: Omit<OAuthState, 'expiresAt'>): void {
  const payload = Buffer.from(JSON.stringify({ ...value, expiresAt: Date.now() + TTL_MS })).toString('base64url');
  res.cookie(OAUTH_STATE_COOKIE, `${payload}.${sign(config, payload)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.PUBLIC_BASE_URL.startsWith('https:'),
    path: '/api/auth/oauth',
    maxAge: TTL_MS,
  });
}

/** The state this browser started with, or undefined when absent, forged or expired. */
export function readOAuthStateCookie(req: Request, config: Config): OAuthState | undefined {
  const raw = (req.cookies as Record<string, unknown> | undefined)?.[OAUTH_STATE_COOKIE];
  if (typeof raw !== 'string' || raw.length > 2000) return undefined;
  const [payload, signature] = raw.split('.');
  if (!payload || !signature) return undefined;
  const expected = Buffer.from(sign(config, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as OAuthState;
    return state.expiresAt > Date.now() ? state : undefined;
  } catch {
    return undefined;
  }
}

export function clearOAuthStateCookie(res: Response): void {
  res.clearCookie(OAUTH_STATE_COOKIE, { path: '/api/auth/oauth' });
}
