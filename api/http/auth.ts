import type { Request, RequestHandler } from 'express';
import type { Knex } from '../../lib/db/knex';
import { hashToken } from '../../lib/auth/tokens';
import { sessionsRepo, type ActiveVersions } from '../../lib/db/repositories/sessions';
import type { Role, UserRow } from '../../lib/db/repositories/users';
import { errors } from '../../lib/errors';
import { roleGrants } from '../../lib/domain/roles';

export const SESSION_COOKIE = 'cohort_session';

export interface AuthContext {
  user: UserRow;
  sessionId: string;
  activeVersions: ActiveVersions;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

/** superadmin ⊇ admin; other roles are exact. */
export const hasRole = (user: UserRow, role: Role): boolean => roleGrants(user.role, role);

function tokenFrom(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header.trim());
    return match?.[1];
  }
  const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof cookie === 'string' && cookie.length <= 200 ? cookie : undefined;
}

/** Resolves the caller's session, if any; never fails the request itself. */
export function authenticate(knex: Knex): RequestHandler {
  return async (req, _res, next) => {
    const token = tokenFrom(req);
    if (token) {
      const found = await sessionsRepo.findUserByTokenHash(knex, hashToken(token));
      if (found) req.auth = found;
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
