import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { errors } from '../../lib/errors';
import { CohortKind, CohortPhase, CohortTrack, CohortUserId } from '../../lib/temporal/search-attributes';

interface AdminWorkflowDeps {
  config: Config;
  temporal: Client;
}

export interface WorkflowSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  kind: string | null;
  phase: string | null;
  userId: string | null;
  track: string | null;
  temporalUiUrl: string;
}

export interface WorkflowDetail extends WorkflowSummary {
  /** The workflow's `status` query answer; null when it could not answer in time (no worker, no handler). */
  query: unknown;
}

// A query needs a worker to answer it: an admin page must not hang while none is up.
const QUERY_DEADLINE_MS = 3_000;
// Enough for every workflow one person ever has; the UI lists more.
const USER_WORKFLOWS_LIMIT = 500;

/** Link to the run's page in the Temporal UI. */
export function temporalUiUrl(config: Config, workflowId: string, runId: string): string {
  const base = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  const ns = encodeURIComponent(config.TEMPORAL_NAMESPACE);
  return `${base}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

function summarize(config: Config, info: Omit<WorkflowExecutionInfo, 'raw'>): WorkflowSummary {
  const attrs = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    status: info.status.name,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime ? info.closeTime.toISOString() : null,
    kind: attrs.get(CohortKind) ?? null,
    phase: attrs.get(CohortPhase) ?? null,
    userId: attrs.get(CohortUserId) ?? null,
    track: attrs.get(CohortTrack) ?? null,
    temporalUiUrl: temporalUiUrl(config, info.workflowId, info.runId),
  };
}

/** One workflow (its latest run) for ops: what it is, where it stands, and its own `status` answer. */
export async function describeWorkflow(deps: AdminWorkflowDeps, workflowId: string): Promise<WorkflowDetail> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let info: Awaited<ReturnType<typeof handle.describe>>;
  try {
    info = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw errors.notFound('Workflow');
    throw error;
  }
  const query = await deps.temporal
    .withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      deps.temporal.workflow.getHandle(workflowId, info.runId).query<unknown>('status'),
    )
    .catch(() => null);
  return { ...summarize(deps.config, info), query: query ?? null };
}

/** Every workflow of one user, newest first, through the `CohortUserId` search attribute. */
export async function listUserWorkflows(deps: AdminWorkflowDeps, userId: string): Promise<WorkflowSummary[]> {
  // userId is a validated UUID: nothing in it can escape the quoted literal. Visibility lists newest first
  // already (and SQL visibility stores refuse ORDER BY).
  const query = `CohortUserId = '${userId}'`;
  const items: WorkflowSummary[] = [];
  for await (const info of deps.temporal.workflow.list({ query, pageSize: 100 })) {
    items.push(summarize(deps.config, info));
    if (items.length >= USER_WORKFLOWS_LIMIT) break;
  }
  return items;
}
