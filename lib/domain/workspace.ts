import { z } from 'zod';

/** Where a student's workspace stands; also the workspace workflow's CohortPhase. */
export const WORKSPACE_STATUSES = [
  'PROVISIONING',
  'READY',
  'EXPIRING',
  'DEPROVISIONING',
  'DEPROVISIONED',
  'FAILED',
] as const;
export const workspaceStatusSchema = z.enum(WORKSPACE_STATUSES);
export type WorkspaceStatus = z.infer<typeof workspaceStatusSchema>;

/** The track whose first project comes with a workspace. */
export const WORKSPACE_TRACK = 'DP';

/** The "expiring" email goes this long before the workspace ends. */
export const WORKSPACE_WARNING_MS = 7 * 86_400_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A workspace's schema and login role, derived from the user id alone (never from text a
 * user typed): `dp_student_<uuid without dashes>`, 43 characters, under PostgreSQL's 63.
 */
export function workspaceIdentifiers(userId: string): { schemaName: string; roleName: string } {
  if (!UUID.test(userId)) throw new Error('A workspace identifier comes from a user id (UUID) only.');
  const name = `dp_student_${userId.replace(/-/g, '').toLowerCase()}`;
  return { schemaName: name, roleName: name };
}
