import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CohortActivities } from '../activities/index';
import type { ErasureKind, ErasureReport, UserWorkflowsStopped } from '../lib/privacy/deletion-requests';
import type { ErasureLine } from '../lib/privacy/erase-personal-data';
import { workflowIds } from './shared/ids';
import { database, dbActivities, emailActivities, localDbActivities } from './shared/activity-options';
import { createNotifier } from './shared/notify';
import { setPhase } from './shared/phase';

/** Ids only: the address is captured by the first activity, in the database, never here. */
export interface AccountDeletionInput {
  userId: string;
  /** DELETION waits out the cool-off; ANONYMIZATION erases at once and keeps learning records. */
  kind: ErasureKind;
  /** The admin who asked for an anonymization (null: the user). */
  requestedBy: string | null;
  coolOffMs: number;
}

export type AccountDeletionPhase =
  'opening' | 'cool-off' | 'legal-hold' | 'erasing' | 'notifying' | 'completed' | 'cancelled' | 'not-found';

export interface AccountDeletionStatus {
  phase: AccountDeletionPhase;
  requestId?: string;
  scheduledFor?: string;
  message: string;
}

export interface AccountDeletionResult {
  outcome: 'erased' | 'cancelled' | 'not-found';
  requestId?: string;
  tables?: ErasureLine[];
}

export const accountDeletionStatusQuery = defineQuery<AccountDeletionStatus>('status');
/** Sent by the admin legal-hold endpoints: a hold pauses erasure until it is lifted. */
export const legalHoldChanged = defineSignal<[{ held: boolean }]>('legalHoldChanged');
/** The user's cancel: accepted while the erasure has not begun; answers once the account is restored. */
export const cancelDeletionUpdate = defineUpdate<{ cancelled: boolean }>('cancelDeletion');

/** Answers once the request is open (or found missing): the API's DELETE waits on it, with start. */
export const requestOpenedUpdate = defineUpdate<AccountDeletionStatus>('requestOpened');

const CANCELLABLE: AccountDeletionPhase[] = ['opening', 'cool-off', 'legal-hold'];

/** Cancelling the user's workflows waits until each has closed: it heartbeats meanwhile. */
const workflowStopper = proxyActivities<CohortActivities>({
  ...database,
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
});

/** Signals the workspace workflow to drop the schema now; none running is fine. */
async function deprovisionWorkspace(userId: string): Promise<string> {
  try {
    await getExternalWorkflowHandle(workflowIds.workspace(userId)).signal('deprovisionNow');
    return 'signalled';
  } catch (error) {
    // The only failure of an external signal is a workflow not found (or already closed).
    log.info('no workspace workflow to deprovision', { reason: (error as Error).name });
    return 'none running';
  }
}

/**
 * `account-deletion:<userId>`: request → "deletion scheduled" → cool-off (cancellable) →
 * legal hold pauses → erasure in order (access revoked, the user's other workflows
 * cancelled, workspace deprovisioned, blobs
 * deleted, every registered table erased or anonymized, processors) → the erasure report
 * → "account deleted" to the address captured before erasure, which is then forgotten.
 * Anonymization is the same run with no cool-off, keeping learning records.
 */
export async function accountDeletion(input: AccountDeletionInput): Promise<AccountDeletionResult> {
  const { workflowId, runId } = workflowInfo();
  const notifier = createNotifier();
  let phase: AccountDeletionPhase = 'opening';
  // Set once the request is open; read by the status query meanwhile.
  const request: { requestId?: string; scheduledFor?: string } = {};
  let held: boolean | undefined;
  let cancelRequested = false;

  const enter = (next: AccountDeletionPhase) => {
    phase = next;
    setPhase(next);
  };
  const message = (): string => {
    switch (phase) {
      case 'cool-off':
        return `in cool-off until ${request.scheduledFor}`;
      case 'legal-hold':
        return 'paused by a legal hold';
      case 'erasing':
        return 'erasing personal data';
      case 'notifying':
        return 'erased; sending the final message';
      case 'completed':
        return 'erased';
      case 'cancelled':
        return 'cancelled; the account is restored';
      case 'not-found':
        return 'no such account (or already erased)';
      default:
        return 'opening the request';
    }
  };
  setHandler(accountDeletionStatusQuery, () => ({ phase, ...request, message: message() }));
  setHandler(requestOpenedUpdate, async () => {
    await condition(() => phase !== 'opening');
    return { phase, ...request, message: message() };
  });
  setHandler(legalHoldChanged, ({ held: now }) => {
    held = now;
  });
  setHandler(
    cancelDeletionUpdate,
    async () => {
      cancelRequested = true;
      await condition(() => !CANCELLABLE.includes(phase));
      return { cancelled: phase === 'cancelled' };
    },
    {
      validator: () => {
        if (!CANCELLABLE.includes(phase)) throw new Error(`The deletion can no longer be cancelled (${phase}).`);
      },
    },
  );

  const opened = await localDbActivities.openErasureRequest({ ...input, workflowId });
  if (!opened.found) {
    enter('not-found');
    return { outcome: 'not-found' };
  }
  const requestId = opened.requestId;
  request.requestId = requestId;
  request.scheduledFor = opened.scheduledFor;
  // A signal that came before the request opened is newer than the row it read.
  held ??= opened.legalHold;

  if (input.kind === 'DELETION') {
    enter('cool-off');
    notifier.notify('deletion-scheduled', () =>
      emailActivities.sendEmail({
        idempotencyKey: `${workflowId}:${runId}:scheduled`,
        template: 'deletion-scheduled',
        recipient: { userId: input.userId },
        data: { scheduledFor: opened.scheduledFor },
      }),
    );
    await condition(() => cancelRequested, Math.max(1, Date.parse(opened.scheduledFor) - Date.now()));
    // The notice looks its recipient up: with a short cool-off it would race the erasure and
    // find nobody. Runs recorded before (test/histories/accountDeletion-1..5) replay without it.
    if (patched('scheduled-notice-before-erasure')) await notifier.settled();
  }
  while (held && !cancelRequested) {
    enter('legal-hold');
    await condition(() => !held || cancelRequested);
  }

  if (cancelRequested) {
    const cancelled = await dbActivities.cancelErasureRequest({ requestId });
    if (cancelled) {
      enter('cancelled');
      notifier.notify('deletion-cancelled', () =>
        emailActivities.sendEmail({
          idempotencyKey: `${workflowId}:${runId}:cancelled`,
          template: 'deletion-cancelled',
          recipient: { userId: input.userId },
          data: {},
        }),
      );
      await notifier.settled();
      await condition(allHandlersFinished);
      return { outcome: 'cancelled', requestId };
    }
  }

  enter('erasing');
  await dbActivities.markErasing({ requestId });
  const access = await dbActivities.revokeUserAccess({ userId: input.userId });
  // Runs recorded before this step (test/histories/accountDeletion-1..3) replay without it.
  let workflows: UserWorkflowsStopped | undefined;
  if (patched('stop-user-workflows')) {
    workflows = await workflowStopper.stopUserWorkflows({ userId: input.userId, exceptWorkflowId: workflowId });
  }
  const workspace = await deprovisionWorkspace(input.userId);
  const blobs = await dbActivities.deleteUserBlobs({ userId: input.userId });
  const tables = await dbActivities.erasePersonalData({ userId: input.userId, kind: input.kind });
  const processors = await dbActivities.eraseAtProcessors({ userId: input.userId });
  const report: ErasureReport = {
    requestId,
    kind: input.kind,
    erasedAt: new Date(Date.now()).toISOString(),
    tables,
    sessionsRevoked: access.sessions,
    blobsDeleted: blobs.blobs,
    processors: [{ name: 'workspace', outcome: workspace }, ...processors],
    ...(workflows ? { workflows } : {}),
  };
  await dbActivities.recordErasureReport({ requestId, report });

  enter('notifying');
  const finalKey = `${workflowId}:${runId}:deleted`;
  notifier.notify('account-deleted', () =>
    emailActivities.sendAccountDeletedEmail({ requestId, idempotencyKey: finalKey }),
  );
  await notifier.settled();
  await dbActivities.forgetCapturedAddress({ requestId, idempotencyKey: finalKey });
  enter('completed');
  await condition(allHandlersFinished);
  return { outcome: 'erased', requestId, tables };
}
