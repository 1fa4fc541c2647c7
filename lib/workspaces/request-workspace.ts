import type { Db } from '../db/knex';
import { workspacesRepo } from '../db/repositories/workspaces';
import { workspaceIdentifiers } from '../domain/workspace';
import { workflowIds } from '../temporal/ids';

/**
 * Records, in the caller's transaction, that the student's workspace is wanted, and says
 * whether its workflow must be started: yes for a new request or a retry after FAILED, no
 * once one was deprovisioned (a workspace is made once per student).
 */
export async function requestWorkspace(db: Db, userId: string, projectId: string): Promise<{ start: boolean }> {
  const created = await workspacesRepo.insert(db, {
    userId,
    projectId,
    ...workspaceIdentifiers(userId),
    workflowId: workflowIds.workspace(userId),
  });
  if (created) return { start: true };
  const row = await workspacesRepo.lockForUser(db, userId);
  if (!row || row.status === 'DEPROVISIONED' || row.status === 'DEPROVISIONING') return { start: false };
  if (row.status === 'FAILED') await workspacesRepo.setStatus(db, userId, 'PROVISIONING', ['FAILED']);
  // A running workflow is reused by the start (USE_EXISTING): asking again is harmless.
  return { start: true };
}
