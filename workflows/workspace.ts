import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProvisionResult, WorkspaceActivities } from '../activities/workspace';
import type { WorkspaceStatus } from '../lib/domain/workspace';
import { emailActivities, workspaceStep } from './shared/activity-options';
import { createNotifier } from './shared/notify';
import { setPhase } from './shared/phase';

export interface WorkspaceWorkflowInput {
  userId: string;
  /** WORKSPACE_TTL, fixed at start so the timer replays the same. */
  ttlMs: number;
  /** The `cohort-workspace` queue (the only worker with the workspace admin credentials). */
  workspaceTaskQueue: string;
}

export interface WorkspaceStatusView {
  phase: WorkspaceStatus;
  schemaName: string | null;
  expiresAt: string | null;
  endedBy: WorkspaceEnd | null;
}

export type WorkspaceEnd = 'project-completed' | 'deprovision-now' | 'expired';

/** Sent by the review flow when a DP project completes; only the workspace's own project ends it. */
export const workspaceProjectCompleted = defineSignal<[{ projectId: string }]>('projectCompleted');
/** Account deletion (and ops): deprovision at once. */
export const workspaceDeprovisionNow = defineSignal('deprovisionNow');
export const workspaceStatusQuery = defineQuery<WorkspaceStatusView>('status');

const DAY_MS = 86_400_000;
const WARNING_MS = 7 * DAY_MS;

/**
 * `workspace:<userId>`: a DP student's database schema, from the start of project 1 until
 * that project completes, the account is deleted, or WORKSPACE_TTL (90 days) runs out
 * (with a warning email 7 days before). Provisioning that fails for good (the secret store
 * refuses, or outlasts its retries) drops what was made, ends FAILED and alerts admins.
 */
export async function workspace(input: WorkspaceWorkflowInput): Promise<WorkspaceStatusView> {
  const view: WorkspaceStatusView = { phase: 'PROVISIONING', schemaName: null, expiresAt: null, endedBy: null };
  const made: { projectId?: string } = {};
  const completedProjects = new Set<string>();
  let deprovisionNow = false;
  setHandler(workspaceStatusQuery, () => view);
  setHandler(workspaceProjectCompleted, ({ projectId }) => void completedProjects.add(projectId));
  setHandler(workspaceDeprovisionNow, () => void (deprovisionNow = true));
  const ended = (): WorkspaceEnd | undefined => {
    if (deprovisionNow) return 'deprovision-now';
    if (made.projectId && completedProjects.has(made.projectId)) return 'project-completed';
    return undefined;
  };

  const acts = proxyActivities<WorkspaceActivities>({ ...workspaceStep, taskQueue: input.workspaceTaskQueue });
  const notifier = createNotifier();
  const { workflowId } = workflowInfo();
  // The provisioning and deprovisioning activities write the row's status themselves.
  const phase = (next: WorkspaceStatus) => {
    view.phase = next;
    setPhase(next);
  };

  const expiresAtMs = Date.now() + input.ttlMs;
  let provisioned: ProvisionResult;
  try {
    provisioned = await acts.provisionWorkspace({
      userId: input.userId,
      expiresAt: new Date(expiresAtMs).toISOString(),
    });
  } catch (error) {
    if (isCancellation(error)) throw error;
    await acts.abandonWorkspace({ userId: input.userId });
    phase('FAILED');
    notifier.alert({ kind: 'workspace-failed', idempotencyKey: `${workflowId}:failed`, userId: input.userId });
    await notifier.settled();
    throw ApplicationFailure.nonRetryable('The workspace could not be provisioned.', 'WorkspaceProvisioningFailed');
  }
  if (!provisioned.provisioned) {
    // Nothing was committed to provision (the start rolled back) or it is gone already.
    phase('DEPROVISIONED');
    return view;
  }
  made.projectId = provisioned.projectId;
  view.schemaName = provisioned.schemaName;
  view.expiresAt = new Date(expiresAtMs).toISOString();
  phase('READY');
  notifier.notify('workspace-ready-email', () =>
    emailActivities.sendEmail({
      idempotencyKey: `${workflowId}:ready`,
      template: 'workspace-ready',
      recipient: { userId: input.userId },
      data: { projectTitle: provisioned.projectTitle, schemaName: provisioned.schemaName },
    }),
  );

  const warnInMs = expiresAtMs - WARNING_MS - Date.now();
  if (ended() === undefined && !(await condition(() => ended() !== undefined, Math.max(warnInMs, 0)))) {
    phase('EXPIRING');
    await acts.setWorkspaceStatus({ userId: input.userId, status: 'EXPIRING' });
    notifier.notify('workspace-expiring-email', () =>
      emailActivities.sendEmail({
        idempotencyKey: `${workflowId}:expiring`,
        template: 'workspace-expiring',
        recipient: { userId: input.userId },
        data: { projectTitle: provisioned.projectTitle, expiresAt: new Date(expiresAtMs).toISOString().slice(0, 10) },
      }),
    );
    await condition(() => ended() !== undefined, Math.max(expiresAtMs - Date.now(), 0));
  }
  view.endedBy = ended() ?? 'expired';

  phase('DEPROVISIONING');
  await acts.deprovisionWorkspace({ userId: input.userId });
  phase('DEPROVISIONED');
  await notifier.settled();
  return view;
}
