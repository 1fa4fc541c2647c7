import type { Db } from '../db/knex';
import { cutoff, type RetentionContext, type SubjectPolicy } from './policy';

/*
 * Students whose learning data has outlived its purpose: their last graduation is more
 * than RETENTION_AFTER_GRADUATION ago, no enrollment of theirs is still running, and they
 * are under no legal hold, gave no data_retention_consent and are not anonymized yet.
 */
const DUE = `
  FROM users u
  WHERE u.role = 'student' AND NOT u.anonymized AND NOT u.legal_hold AND NOT u.data_retention_consent
    AND NOT EXISTS (SELECT 1 FROM enrollments running
                    WHERE running.user_id = u.id AND running.status IN ('ENROLLED','SUSPENDED'))
    AND (SELECT max(e.graduation_date) FROM enrollments e
         WHERE e.user_id = u.id AND e.status = 'COMPLETED') < ?::date`;

// graduation_date is a calendar date: "30 days after" counts from the end of that day (UTC).
const lastDueDate = (ctx: RetentionContext) =>
  cutoff(ctx.asOf, ctx.settings.RETENTION_AFTER_GRADUATION).toISOString().slice(0, 10);

async function countDue(db: Db, ctx: RetentionContext): Promise<number> {
  const result = await db.raw(`SELECT count(*)::bigint AS n ${DUE}`, [lastDueDate(ctx)]);
  return Number((result.rows as { n: number }[])[0]!.n);
}

async function selectDue(db: Db, ctx: RetentionContext, cursor: string | null, limit: number) {
  const result = await db.raw(`SELECT u.id ${DUE} ${cursor === null ? '' : 'AND u.id > ?'} ORDER BY u.id LIMIT ?`, [
    lastDueDate(ctx),
    ...(cursor === null ? [] : [cursor]),
    limit,
  ]);
  return { ids: (result.rows as { id: string }[]).map((r) => r.id) };
}

export const graduatesDue: SubjectPolicy = {
  kind: 'subjects',
  name: 'learning-data',
  description: 'students RETENTION_AFTER_GRADUATION past graduation (no legal hold, no retention consent): anonymized',
  action: 'anonymizeUser',
  countDue,
  selectDue,
};
