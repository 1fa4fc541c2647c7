import type { Request, RequestHandler } from 'express';
import type { Config } from '../../lib/config';
import type { Knex } from '../../lib/db/knex';
import { hashToken } from '../../lib/auth/tokens';
import { sessionsRepo, type ActiveVersions } from '../../lib/db/repositories/sessions';
import type { Role, UserRow } from '../../lib/db/repositories/users';
import { errors } from '../../lib/errors';
import { roleGrants } from '../../lib/domain/roles';
import { readSessionCookie } from './session-cookie';

export interface AuthContext {
  user: UserRow;
  sessionId: string;
  activeVersions: ActiveVersions;
  /** How the token came: a browser's cookie (which a cross-site page can make it send) or a Bearer header. */
  via: 'bearer' | 'cookie';
}

// A session's last use is written at most this often: the hot path stays one read.
const TOUCH_EVERY_MS = 60_000;

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

/** superadmin ⊇ admin; other roles are exact. */
export const hasRole = (user: UserRow, role: Role): boolean => roleGrants(user.role, role);

function tokenFrom(req: Request, config: Config): { token: string; via: AuthContext['via'] } | undefined {
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header.trim());
    return match ? { token: match[1]!, via: 'bearer' } : undefined;
  }
  const cookie = readSessionCookie(req, config);
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

/**
 * Resolves the caller's session, if any; never fails the request itself. A session unused
 * for SESSION_IDLE_TIMEOUT is over; its last use is recorded at most once a minute.
 */
export function authenticate(knex: Knex, config: Config): RequestHandler {
  return async (req, _res, next) => {
    const presented = tokenFrom(req, config);
    if (presented) {
      const found = await sessionsRepo.findUserByTokenHash(
        knex,
        hashToken(presented.token),
        config.SESSION_IDLE_TIMEOUT,
      );
      if (found) {
        const { lastSeenAt, ...auth } = found;
        if (Date.now() - lastSeenAt.getTime() >= TOUCH_EVERY_MS) await sessionsRepo.touch(knex, auth.sessionId);
        req.auth = { ...auth, via: presented.via };
      }
    }
    next();
  };
}

export const currentAuth = (req: Request): AuthContext => {
  if (!req.auth) throw errors.unauthenticated();
  return req.auth;
};

/**
 * Guards a route: a signed-in user with one of `roles` who has accepted the active
 * privacy policy and terms (unless `consent: false`, for the routes API.md exempts).
 */
export function requireUser(options: { roles?: Role[]; consent?: boolean } = {}): RequestHandler {
  const { roles, consent = true } = options;
  return (req, _res, next) => {
    const { user, activeVersions } = currentAuth(req);
    if (consent) {
      // The active versions came with the session lookup: no query of its own.
      const { activePrivacyVersion, activeTermsVersion } = activeVersions;
      if (user.privacyVersion !== activePrivacyVersion || user.termsVersion !== activeTermsVersion) {
        throw errors.consentRequired('Accept the current privacy policy and terms to continue.', {
          privacyVersion: activePrivacyVersion,
          termsVersion: activeTermsVersion,
        });
      }
    }
    if (roles && !roles.some((role) => hasRole(user, role))) throw errors.forbidden();
    next();
  };
}
