import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { UserWorkflowsStopped } from '../lib/privacy/deletion-requests';

/** Workflow types with a reaction of their own to erasure: they are told, not cancelled. */
const TOLD: Record<string, string> = {
  // The erasure signals deprovisionNow right after this step (workflows/account-deletion.ts).
  workspace: 'deprovisionNow',
};

/** How long one attempt waits for the cancelled workflows to close before it fails and is retried. */
const CLOSE_WAIT_MS = 20_000;
const POLL_MS = 250;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Heartbeats when run as an activity (the details are counts only); nothing outside one. */
function beat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not in an activity (a script or a test calling it directly).
  }
}

/** When this step was first scheduled, on a retry (the same for every attempt); undefined on a first attempt or outside one. */
function retriedSince(): Date | undefined {
  try {
    const { attempt, scheduledTimestampMs } = Context.current().info;
    return attempt > 1 ? new Date(scheduledTimestampMs) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the user's other running workflows (visibility query on `CohortUserId`): each is
 * cancelled and awaited until it has closed, so none of its activities writes after the
 * erasure begins. Every workflow type ends cleanly on cancellation (onboarding refunds a
 * payment it was enrolling, the export deletes its archive, the rest simply stop). The
 * erasure's own workflow is skipped, and the workspace is counted as told (deprovisionNow).
 * Idempotent: a retry cancels what is still running, and counts too what closed cancelled
 * since the step was first scheduled (an earlier attempt stopped it, then died), so the
 * erasure report is the same whether or not a worker crashed meanwhile.
 */
export async function stopUserWorkflows(
  client: Client,
  input: { userId: string; exceptWorkflowId: string },
): Promise<UserWorkflowsStopped> {
  // The id goes into a visibility query: only a UUID may.
  if (!UUID.test(input.userId)) throw new Error('stopUserWorkflows: the user id is not a UUID');
  const query = `CohortUserId = '${input.userId}' AND ExecutionStatus = 'Running'`;
  const stopped: UserWorkflowsStopped = { cancelled: 0, told: 0, byType: {} };
  // By run id: a run closing between the two queries would otherwise count twice.
  const counted = new Set<string>();
  const count = (type: string) => {
    stopped.byType[type] = (stopped.byType[type] ?? 0) + 1;
  };
  const waiting: { workflowId: string; runId: string }[] = [];
  for await (const execution of client.workflow.list({ query })) {
    if (execution.workflowId === input.exceptWorkflowId) continue;
    const type = execution.type;
    counted.add(execution.runId);
    count(type);
    if (TOLD[type]) {
      stopped.told += 1;
      continue;
    }
    await client.workflow.getHandle(execution.workflowId, execution.runId).cancel();
    stopped.cancelled += 1;
    waiting.push({ workflowId: execution.workflowId, runId: execution.runId });
    beat({ cancelled: stopped.cancelled });
  }
  const since = retriedSince();
  if (since) {
    const closed = `CohortUserId = '${input.userId}' AND ExecutionStatus = 'Canceled' AND CloseTime >= '${since.toISOString()}'`;
    for await (const execution of client.workflow.list({ query: closed })) {
      if (execution.workflowId === input.exceptWorkflowId || counted.has(execution.runId)) continue;
      counted.add(execution.runId);
      count(execution.type);
      stopped.cancelled += 1;
    }
  }
  const deadline = Date.now() + CLOSE_WAIT_MS;
  for (const { workflowId, runId } of waiting) {
    for (;;) {
      const { status } = await client.workflow.getHandle(workflowId, runId).describe();
      if (status.name !== 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`a cancelled workflow of the user is still closing`);
      beat({ closing: workflowId.split(':')[0] });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  return stopped;
}
