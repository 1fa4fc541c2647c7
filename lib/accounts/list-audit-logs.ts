import type { Db } from '../db/knex';

export interface AuditLogFilter {
  userId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  limit: number;
  before?: number;
}

export interface AuditLogRow {
  id: number;
  userId: string | null;
  actorId: string | null;
  action: string;
  resource: string | null;
  outcome: string;
  ipAddress: string | null;
  timestamp: Date;
  details: Record<string, unknown>;
}

/** Newest first, keyset-paginated on id (`before` = the last id of the previous page). */
export async function listAuditLogs(
  db: Db,
  filter: AuditLogFilter,
): Promise<{ items: AuditLogRow[]; nextBefore: number | null }> {
  const query = db('audit_logs')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.userId) query.where((q) => q.where({ userId: filter.userId }).orWhere({ actorId: filter.userId }));
  if (filter.action) query.where({ action: filter.action });
  if (filter.from) query.where('timestamp', '>=', filter.from);
  if (filter.to) query.where('timestamp', '<', filter.to);
  if (filter.before !== undefined) query.where('id', '<', filter.before);
  const rows: AuditLogRow[] = await query.select(
    'id',
    'userId',
    'actorId',
    'action',
    'resource',
    'outcome',
    'ipAddress',
    'timestamp',
    'details',
  );
  const items = rows.slice(0, filter.limit);
  return { items, nextBefore: rows.length > filter.limit ? items[items.length - 1]!.id : null };
}
