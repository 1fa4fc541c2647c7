import type { Knex } from '../../lib/db/knex';

export { enrollStudent, trackOutline, type TestEnrollment } from '../../scripts/lib/fixtures';

/** The learning loop's emails by template (a DP workspace's emails come from its own workflow, on its own clock). */
export const emailCounts = async (knex: Knex, userId: string): Promise<Record<string, number>> => {
  const rows: { template: string; n: number }[] = await knex('email_messages')
    .where({ userId })
    .whereNot('template', 'like', 'workspace-%')
    .groupBy('template')
    .select('template')
    .count({ n: '*' });
  return Object.fromEntries(rows.map((r) => [r.template, Number(r.n)]));
};
