import type { Client } from '@temporalio/client';
import { startCertification } from '../api/workflows/certification';
import { handoversWithoutCertificate } from '../lib/certificates/pending-handovers';
import type { Db } from '../lib/db/knex';
import type { Logger } from '../lib/logger';
import type { TaskQueues } from '../lib/temporal/task-queues';

/**
 * At worker start: every certification hand-over without a certificate gets its workflow
 * (`certificate:<userId>:<track>`), for hand-overs recorded before certification existed.
 * Idempotent through the workflow id: a running one is joined, a completed one (its
 * certificate stands) is left alone, only a failed one runs again. Answers the workflow ids
 * it started or found running.
 */
export async function startPendingCertifications(deps: {
  knex: Db;
  temporal: Client;
  taskQueues: TaskQueues;
  logger?: Logger;
}): Promise<string[]> {
  const running: string[] = [];
  for (const handover of await handoversWithoutCertificate(deps.knex)) {
    const { workflowId, status } = await startCertification(deps, handover);
    if (status === 'RUNNING') running.push(workflowId);
  }
  if (running.length > 0) deps.logger?.info({ workflows: running.length }, 'certification hand-overs picked up');
  return running;
}
