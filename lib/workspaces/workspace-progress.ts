import type { Db } from '../db/knex';

/** Mirrors the workspace on the project's progress row (student_progress.workspace_*). */
export async function recordWorkspaceOnProgress(
  db: Db,
  row: { userId: string; projectId: string; schemaName: string | null; provisionedAt: Date | null },
): Promise<void> {
  await db('student_progress')
    .where({ userId: row.userId, projectId: row.projectId })
    .update({ workspaceSchema: row.schemaName, workspaceProvisionedAt: row.provisionedAt });
}

export async function projectTitle(db: Db, projectId: string): Promise<string> {
  const row: { title: string } | undefined = await db('projects').where({ id: projectId }).first('title');
  return row?.title ?? 'your project';
}
