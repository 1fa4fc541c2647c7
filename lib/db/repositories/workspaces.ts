import type { Db } from '../knex';
import type { WorkspaceStatus } from '../../domain/workspace';

export interface WorkspaceRow {
  id: string;
  userId: string;
  projectId: string;
  schemaName: string;
  roleName: string;
  status: WorkspaceStatus;
  workflowId: string;
  provisionedAt: Date | null;
  expiresAt: Date | null;
  deprovisionedAt: Date | null;
}

/** One row per student's workspace: its names and lifecycle, never its password. */
export const workspacesRepo = {
  findForUser: (db: Db, userId: string): Promise<WorkspaceRow | undefined> =>
    db('workspaces').where({ userId }).first(),

  /** Waits for a transaction writing the row (the API's start) to end, then reads it. */
  lockForUser: (db: Db, userId: string): Promise<WorkspaceRow | undefined> =>
    db('workspaces').where({ userId }).forUpdate().first(),

  /** Idempotent: true when this call created the row. */
  async insert(db: Db, row: Pick<WorkspaceRow, 'userId' | 'projectId' | 'schemaName' | 'roleName' | 'workflowId'>) {
    const inserted = await db('workspaces').insert(row).onConflict('userId').ignore().returning('id');
    return inserted.length > 0;
  },

  async setStatus(db: Db, userId: string, status: WorkspaceStatus, from?: WorkspaceStatus[]): Promise<boolean> {
    const query = db('workspaces').where({ userId });
    if (from) void query.whereIn('status', from);
    return (await query.update({ status, updatedAt: db.fn.now() })) > 0;
  },

  async markReady(db: Db, userId: string, expiresAt: Date): Promise<WorkspaceRow | undefined> {
    const [row] = await db('workspaces')
      .where({ userId })
      .whereIn('status', ['PROVISIONING', 'READY'])
      .update({
        status: 'READY',
        provisionedAt: db.raw('coalesce(provisioned_at, now())'),
        expiresAt,
        updatedAt: db.fn.now(),
      })
      .returning('*');
    return row as WorkspaceRow | undefined;
  },

  async markDeprovisioned(db: Db, userId: string): Promise<void> {
    await db('workspaces')
      .where({ userId })
      .update({
        status: 'DEPROVISIONED',
        deprovisionedAt: db.raw('coalesce(deprovisioned_at, now())'),
        updatedAt: db.fn.now(),
      });
  },
};
