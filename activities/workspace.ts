import { ApplicationFailure, log } from '@temporalio/activity';
import { SecretStoreError, workspaceSecretName, type SecretStore } from '../lib/adapters/secret-store/types';
import type { Knex } from '../lib/db/knex';
import { workspacesRepo } from '../lib/db/repositories/workspaces';
import type { WorkspaceStatus } from '../lib/domain/workspace';
import { newWorkspacePassword } from '../lib/workspaces/scram';
import { projectTitle, recordWorkspaceOnProgress } from '../lib/workspaces/workspace-progress';
import { dropWorkspaceRole, ensureWorkspaceRole } from '../lib/workspaces/workspace-role';

/** Only the `cohort-workspace` worker builds these: it alone holds the workspace admin connection. */
export interface WorkspaceActivityDeps {
  /** The platform database (the workspaces rows). */
  knex: Knex;
  /** The workspace database, as its admin (WORKSPACE_DATABASE_URL). */
  workspaceKnex: Knex;
  secrets: SecretStore;
}

export type ProvisionResult =
  | { provisioned: true; schemaName: string; projectId: string; projectTitle: string }
  /** No workspace was committed for the student (the API's start rolled back) or it is gone. */
  | { provisioned: false };

const storeFailure = (error: unknown): never => {
  if (error instanceof SecretStoreError && error.permanent)
    throw ApplicationFailure.nonRetryable(error.message, 'SecretStoreRefused');
  throw error;
};

/** The workspace lifecycle's side effects, each idempotent: a re-run converges. */
export function createWorkspaceActivities({ knex, workspaceKnex, secrets }: WorkspaceActivityDeps) {
  return {
    /**
     * Waits for the API's start to commit the workspace row, then makes the role (a fresh
     * password each try, replacing any earlier one) and schema, stores the credentials, and
     * only then marks the row READY. A crash or store failure between the role and the
     * secret leaves a role whose password nobody knows; the next try resets it.
     */
    async provisionWorkspace(input: { userId: string; expiresAt: string }): Promise<ProvisionResult> {
      const row = await knex.transaction((trx) => workspacesRepo.lockForUser(trx, input.userId));
      if (!row || row.status === 'DEPROVISIONED' || row.status === 'DEPROVISIONING') return { provisioned: false };
      const password = newWorkspacePassword();
      const { schemaName, roleName } = await ensureWorkspaceRole(workspaceKnex, input.userId, password);
      await secrets
        .put(workspaceSecretName(input.userId), JSON.stringify({ username: roleName, password }))
        .catch(storeFailure);
      const ready = await workspacesRepo.markReady(knex, input.userId, new Date(input.expiresAt));
      if (!ready) return { provisioned: false };
      await recordWorkspaceOnProgress(knex, { ...row, schemaName, provisionedAt: ready.provisionedAt });
      return {
        provisioned: true,
        schemaName,
        projectId: row.projectId,
        projectTitle: await projectTitle(knex, row.projectId),
      };
    },

    async setWorkspaceStatus(input: { userId: string; status: WorkspaceStatus }): Promise<void> {
      await workspacesRepo.setStatus(knex, input.userId, input.status);
    },

    /** Ends the student's sessions, drops schema and role, deletes the secret, records deprovisioned_at. */
    async deprovisionWorkspace(input: { userId: string }): Promise<void> {
      await workspacesRepo.setStatus(knex, input.userId, 'DEPROVISIONING', ['PROVISIONING', 'READY', 'EXPIRING']);
      await dropWorkspaceRole(workspaceKnex, input.userId);
      await secrets.delete(workspaceSecretName(input.userId)).catch(storeFailure);
      await workspacesRepo.markDeprovisioned(knex, input.userId);
    },

    /**
     * After provisioning failed for good: drops whatever was made and marks the row FAILED
     * (a later start of the project retries). The secret is removed if the store lets us.
     */
    async abandonWorkspace(input: { userId: string }): Promise<void> {
      await dropWorkspaceRole(workspaceKnex, input.userId);
      try {
        await secrets.delete(workspaceSecretName(input.userId));
      } catch (error) {
        log.warn('workspace secret not removed after a failed provisioning', { reason: (error as Error).name });
      }
      const row = await workspacesRepo.findForUser(knex, input.userId);
      await workspacesRepo.setStatus(knex, input.userId, 'FAILED');
      if (row) await recordWorkspaceOnProgress(knex, { ...row, schemaName: null, provisionedAt: null });
    },
  };
}

export type WorkspaceActivities = ReturnType<typeof createWorkspaceActivities>;
