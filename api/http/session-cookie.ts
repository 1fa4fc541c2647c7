import type { Response } from 'express';
import type { Config } from '../../lib/config';
import { SESSION_COOKIE } from './auth';

const cookieOptions = (config: Config) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: config.PUBLIC_BASE_URL.startsWith('https:'),
  path: '/',
});

/** The session token also travels as an httpOnly SameSite=Lax cookie (API.md, Conventions). */
export function setSessionCookie(res: Response, config: Config, token: string, expiresAt: Date): void {
  res.cookie(SESSION_COOKIE, token, { ...cookieOptions(config), expires: expiresAt });
}

export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(config));
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
