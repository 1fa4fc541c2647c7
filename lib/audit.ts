import type { Db } from './db/knex';

export interface AuditEntry {
  action: string;
  userId?: string | null;
  actorId?: string | null;
  resource?: string | null;
  outcome?: 'success' | 'failure';
  ipAddress?: string | null;
  details?: Record<string, unknown>;
}

// Keys whose values never enter the audit log, at any depth (free text such as a reason may name people).
const FORBIDDEN_KEY =
  /pass(word)?|token|secret|authorization|cookie|email|name|ip|address|phone|body|content|notes|feedback|reason/i;

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 3 || value === null || typeof value !== 'object')
    return typeof value === 'string' ? value.slice(0, 200) : value;
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !FORBIDDEN_KEY.test(key))
      .map(([key, v]) => [key, scrub(v, depth + 1)]),
  );
}

/** The one way anything is written to the audit log. Details lose personal data keys. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db('audit_logs').insert({
    action: entry.action,
    userId: entry.userId ?? null,
    actorId: entry.actorId ?? entry.userId ?? null,
    resource: entry.resource ?? null,
    outcome: entry.outcome ?? 'success',
    ipAddress: entry.ipAddress ?? null,
    details: JSON.stringify(scrub(entry.details ?? {})),
  });
}
