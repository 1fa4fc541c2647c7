import type { Request, RequestHandler } from 'express';
import type { Knex } from '../../lib/db/knex';
import { recordAudit } from '../../lib/audit';

export interface AuditOptions {
  /** The resource acted on, from the request (ids only). */
  resource?: (req: Request) => string | undefined;
  /** The user the action is about, when not the caller (e.g. admin actions). */
  subject?: (req: Request) => string | undefined;
  /** Safe details: ids, versions, flags. Never the body as such. */
  details?: (req: Request) => Record<string, unknown>;
}

/**
 * Records a sensitive action as the response is sent: success for 2xx, failure for
 * 401/403/429 (attempts worth seeing) when someone is known: the signed-in caller (403s
 * stay audited) or the account a failed login named. Anonymous 401s and 429s are counted
 * in metrics instead (http_anonymous_refusals_total): a flood of them must not grow the
 * audit log. Validation errors are not actions.
 */
export function audited(knex: Knex, action: string, options: AuditOptions = {}): RequestHandler {
  return (req, res, next) => {
    // The row is written before the answer leaves: a client that has its answer can
    // rely on the action being in the audit log (and tests can count rows at once).
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    let recorded = false;
    res.end = ((...args: unknown[]) => {
      const ok = res.statusCode < 400;
      const actorId = req.auth?.user.id ?? (res.locals.auditUserId as string | undefined);
      const anonymous = !actorId && [401, 429].includes(res.statusCode);
      if (recorded || anonymous || (!ok && ![401, 403, 429].includes(res.statusCode))) return end(...args);
      recorded = true;
      recordAudit(knex, {
        action,
        userId: options.subject?.(req) ?? actorId ?? null,
        actorId: actorId ?? null,
        resource: options.resource?.(req) ?? null,
        outcome: ok ? 'success' : 'failure',
        ipAddress: req.ip ?? null,
        details: {
          status: res.statusCode,
          ...(options.details?.(req) ?? {}),
          ...((res.locals.auditDetails as object | undefined) ?? {}),
        },
      })
        .catch((error: unknown) => req.log?.error({ err: error, action }, 'audit write failed'))
        .finally(() => end(...args));
      return res;
    }) as typeof res.end;
    next();
  };
}
