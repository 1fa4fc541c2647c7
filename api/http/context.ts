import type { Request } from 'express';
import type { RequestContext } from '../../lib/accounts/create-session';

/** Where a request came from, as consent records and sessions keep it. */
export const requestContext = (req: Request): RequestContext => ({
  ipAddress: req.ip ?? null,
  userAgent: req.get('user-agent')?.slice(0, 500) ?? null,
});
