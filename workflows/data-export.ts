import {
  CancellationScope,
  condition,
  allHandlersFinished,
  isCancellation,
  patched,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CohortActivities } from '../activities/index';
import { dbActivities, emailActivities, longRunning } from './shared/activity-options';
import { createNotifier } from './shared/notify';
import { setPhase } from './shared/phase';

/** Ids only: the archive is built from the database and stored as a blob. */
export interface DataExportInput {
  userId: string;
  exportId: string;
}

export type DataExportPhase = 'building' | 'ready' | 'expired';
export interface DataExportStatus {
  phase: DataExportPhase;
  expiresAt?: string;
}

export const dataExportStatusQuery = defineQuery<DataExportStatus>('status');

const exportActivities = proxyActivities<CohortActivities>(longRunning);

/**
 * `data-export:<userId>:<exportId>`: the archive, streamed into the blob store → the
 * "data export ready" email with an expiring link → the archive deleted when the link
 * expires (the workflow sleeps until then).
 */
export async function dataExport(input: DataExportInput): Promise<DataExportStatus> {
  const { workflowId, runId } = workflowInfo();
  const notifier = createNotifier();
  const status: DataExportStatus = { phase: 'building' };
  setHandler(dataExportStatusQuery, () => status);

  try {
    const built = await exportActivities.buildDataExport({ ...input, workflowId });
    status.phase = 'ready';
    status.expiresAt = built.expiresAt;
    setPhase('ready');
    notifier.notify('data-export-ready', () =>
      emailActivities.sendExportReadyEmail({ ...input, idempotencyKey: `${workflowId}:${runId}:ready` }),
    );
    await notifier.settled();

    await sleep(Math.max(1, Date.parse(built.expiresAt) - Date.now()));
  } catch (error) {
    // Cancelled (the account's erasure stops it): the archive, whole or partial, goes now.
    // The build awaits its own cancellation (longRunning), so nothing writes it afterwards.
    if (isCancellation(error) && patched('delete-archive-on-cancel'))
      await CancellationScope.nonCancellable(() => dbActivities.deleteExportArchive({ exportId: input.exportId }));
    throw error;
  }
  await dbActivities.deleteExportArchive({ exportId: input.exportId });
  status.phase = 'expired';
  setPhase('expired');
  await condition(allHandlersFinished);
  return status;
}
