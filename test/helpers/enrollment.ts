import type { Knex } from '../../lib/db/knex';
import type { CohortStack } from '../../scripts/lib/local-stack';
import { workflowIds } from '../../workflows/shared/ids';

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

/**
 * Waits for the submission and review workflows of every submission of a user: they email
 * after they answer, so count emails once these have finished.
 */
export async function reviewWorkflowsFinished(
  stack: Pick<CohortStack, 'knex' | 'client'>,
  userId: string,
): Promise<void> {
  const submissions: { id: string }[] = await stack.knex('submissions').where({ userId }).select('id');
  await Promise.all(
    submissions
      .flatMap(({ id }) => [workflowIds.submission(id), workflowIds.review(id)])
      .map((workflowId) => stack.client.workflow.getHandle(workflowId).result()),
  );
}
