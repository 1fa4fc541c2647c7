import type { Request, Response } from 'express';
import type { Config } from '../../lib/config';

const DEV_NAME = 'cohort_session';
// `__Host-`: the browser keeps it only if Secure, path / and without Domain, so neither a
// sibling subdomain nor a plain-HTTP page can plant or overwrite it.
const PRODUCTION_NAME = '__Host-cohort_session';

const production = (config: Config) => config.NODE_ENV === 'production';

/** `__Host-cohort_session` in production, `cohort_session` elsewhere (plain-HTTP localhost cannot hold a `__Host-` cookie). */
export const sessionCookieName = (config: Config): string => (production(config) ? PRODUCTION_NAME : DEV_NAME);

const cookieOptions = (config: Config) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: production(config) || config.PUBLIC_BASE_URL.startsWith('https:'),
  path: '/',
});

/**
 * The session token from this deployment's cookie only: in production an unprefixed
 * `cohort_session` is ignored, since any subdomain could have set it.
 */
export function readSessionCookie(req: Request, config: Config): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[sessionCookieName(config)];
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
}

/** The session token also travels as an httpOnly SameSite=Lax cookie (API.md, Conventions). */
export function setSessionCookie(res: Response, config: Config, token: string, expiresAt: Date): void {
  res.cookie(sessionCookieName(config), token, { ...cookieOptions(config), expires: expiresAt });
}

export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(sessionCookieName(config), cookieOptions(config));
}

/** Hands a new session to the client (the cookie) and names its user as the audit subject. */
export function handOverSession(
  res: Response,
  config: Config,
  userId: string,
  session: { token: string; expiresAt: Date },
): void {
  res.locals.auditUserId = userId;
  setSessionCookie(res, config, session.token, session.expiresAt);
}
