import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  continueAsNew,
  defineQuery,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CohortActivities } from '../activities/index';
import type { PlannedPolicy } from '../activities/retention';
import type { PolicyReport, RetentionReport } from '../lib/retention/retention-runs';
import type { DeletionTuning } from '../lib/retention/run-deletion';
import { workflowIds } from './shared/ids';
import { cohortSearchAttributes } from './shared/search-attributes';
import { accountDeletion } from './account-deletion';
import { database, longRunning } from './shared/activity-options';
import { createNotifier } from './shared/notify';
import { setPhase } from './shared/phase';

export interface RetentionInput {
  dryRun?: boolean;
  /** Batch tuning (tests, benchmarks); defaults keep each statement well under a second. */
  tuning?: DeletionTuning & { subjectBatch?: number; activityCallsPerRun?: number };
  /** Set by continue-as-new only: where the previous run stopped. */
  resume?: RetentionResume;
}

interface RetentionResume {
  asOf: string;
  startedAt: number;
  firstRunId: string;
  plan: PlannedPolicy[];
  index: number;
  cursor: string | null;
  reports: PolicyReport[];
  continuedTimes: number;
}

export interface RetentionStatus {
  phase: 'planning' | 'running' | 'alerting' | 'done';
  dryRun: boolean;
  asOf: string | null;
  current: string | null;
  policies: PolicyReport[];
  planned: string[];
  continuedTimes: number;
}

export const retentionStatus = defineQuery<RetentionStatus>('status');

// Each call deletes for up to two minutes, heartbeating per batch; a dead worker shows within a minute.
const deletions = proxyActivities<CohortActivities>({ ...longRunning, startToCloseTimeout: '10m' });
const db = proxyActivities<CohortActivities>(database);
// Anonymization runs the privacy erasure steps: a few tries, then the subject counts as failed.
const erasure = proxyActivities<CohortActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

const failureType = (error: unknown): string => {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : 'ActivityFailed';
};

const emptyReport = (p: PlannedPolicy): PolicyReport => ({
  name: p.name,
  action: p.kind === 'delete' ? 'delete' : 'anonymize',
  count: 0,
  failed: 0,
  batches: 0,
  durationMs: 0,
  longestStatementMs: 0,
  status: 'done',
});

/**
 * `retention:<date>` (daily from the `retention-daily` Schedule, or now from
 * `npm run cleanup-expired-data`): applies every retention policy in batches, alerts
 * admins of privacy requests at day 21 or overdue, and stores a run report in
 * retention_runs. A dry run counts what is due and changes nothing. Long runs continue
 * as new, carrying the report so far.
 */
export async function retention(input: RetentionInput = {}): Promise<RetentionReport> {
  const dryRun = input.dryRun ?? false;
  const info = workflowInfo();
  const resume = input.resume;
  const status: RetentionStatus = {
    phase: resume ? 'running' : 'planning',
    dryRun,
    asOf: resume?.asOf ?? null,
    current: null,
    policies: resume ? [...resume.reports] : [],
    planned: resume?.plan.map((p) => p.name) ?? [],
    continuedTimes: resume?.continuedTimes ?? 0,
  };
  setHandler(retentionStatus, () => status);

  let state: RetentionResume;
  if (resume) {
    state = resume;
  } else {
    setPhase('planning');
    // The run's instant is when it started: every policy and any continued run measure from it.
    const asOf = new Date(info.runStartTime).toISOString();
    const plan = await db.planRetention();
    state = {
      asOf,
      startedAt: Date.now(),
      firstRunId: info.firstExecutionRunId,
      plan,
      index: 0,
      cursor: null,
      reports: [],
      continuedTimes: 0,
    };
    // A dry run writes nothing, not even its report: the caller reads it from the result.
    if (!dryRun)
      await db.recordRetentionRun({ workflowId: info.workflowId, firstRunId: state.firstRunId, dryRun, asOf });
    status.asOf = asOf;
    status.planned = plan.map((p) => p.name);
    setPhase('running');
    status.phase = 'running';
  }

  const callsPerRun = input.tuning?.activityCallsPerRun ?? 500;
  let calls = 0;
  const shouldContinueAsNew = () => calls >= callsPerRun || workflowInfo().continueAsNewSuggested;

  while (state.index < state.plan.length) {
    const planned = state.plan[state.index]!;
    const report = state.reports.find((r) => r.name === planned.name) ?? emptyReport(planned);
    if (!state.reports.includes(report)) state.reports.push(report);
    status.policies = state.reports;
    status.current = planned.name;
    let done = false;
    while (!done) {
      if (shouldContinueAsNew()) {
        await continueAsNew<typeof retention>({
          ...input,
          resume: { ...state, continuedTimes: state.continuedTimes + 1 },
        });
      }
      calls += 1;
      if (planned.kind === 'delete') {
        const step = await deletions.runRetentionDeletion({
          policy: planned.name,
          asOf: state.asOf,
          dryRun,
          cursor: state.cursor,
          tuning: input.tuning,
        });
        report.count += step.handled;
        report.batches += step.batches;
        report.durationMs += Math.round(step.durationMs);
        report.longestStatementMs = Math.max(report.longestStatementMs, Math.round(step.longestStatementMs));
        state.cursor = step.cursor;
        done = step.done;
      } else {
        const limit = input.tuning?.subjectBatch ?? 100;
        const subjects = await db.selectRetentionSubjects({
          policy: planned.name,
          asOf: state.asOf,
          dryRun,
          cursor: state.cursor,
          limit,
        });
        report.batches += 1;
        if (dryRun) {
          report.count = subjects.due;
          done = true;
          continue;
        }
        for (const userId of subjects.ids) {
          try {
            // The privacy capability's erasure steps, as a child (runs recorded before it called a stand-in).
            if (patched('anonymize-through-privacy')) await anonymizeThroughPrivacy(userId);
            else await erasure.anonymizeUser({ userId });
            report.count += 1;
          } catch (error) {
            if (!(error instanceof ActivityFailure) && !(error instanceof ChildWorkflowFailure)) throw error;
            report.failed += 1;
            report.status = 'failed';
            report.error = failureType(error);
            // Without the erasure steps no other subject can be handled either.
            if (report.error === 'AnonymizationUnavailable') break;
          }
        }
        state.cursor = subjects.ids.at(-1) ?? state.cursor;
        done = subjects.ids.length < limit || report.error === 'AnonymizationUnavailable';
      }
    }
    state.index += 1;
    state.cursor = null;
  }

  status.current = 'privacy-request-deadlines';
  const claimant = `${info.workflowId}:${state.firstRunId}`;
  const alerts = await db.claimPrivacyDeadlineAlerts({ asOf: state.asOf, claimant, dryRun });
  state.reports.push({
    ...emptyReport({ name: 'privacy-request-deadlines', kind: 'delete' }),
    action: 'alert',
    count: alerts.length,
    batches: 1,
  });

  const failed = state.reports.some((r) => r.status === 'failed');
  const report: RetentionReport = {
    dryRun,
    asOf: state.asOf,
    status: failed ? 'PARTIAL' : 'COMPLETED',
    policies: state.reports,
    durationMs: Date.now() - state.startedAt,
  };
  // Settle first (the run's record), then notify.
  if (!dryRun)
    await db.recordRetentionRun({
      workflowId: info.workflowId,
      firstRunId: state.firstRunId,
      dryRun,
      asOf: state.asOf,
      report,
    });

  status.phase = 'alerting';
  status.current = null;
  setPhase('alerting');
  const notifier = createNotifier();
  if (!dryRun) {
    for (const alert of alerts) {
      notifier.alert({
        kind: alert.stage === 'overdue' ? 'privacy-request-overdue' : 'privacy-request-reminder',
        idempotencyKey: `privacy-request:${alert.requestId}:${alert.stage}`,
        refs: { request: alert.requestId, kind: alert.kind, deadline: alert.deadlineAt },
      });
    }
    for (const r of state.reports.filter((p) => p.status === 'failed')) {
      notifier.alert({
        kind: 'retention-policy-failed',
        idempotencyKey: `${claimant}:policy-failed:${r.name}`,
        refs: { run: info.workflowId, policy: r.name, reason: r.error },
      });
    }
  }
  await notifier.settled();
  status.phase = 'done';
  setPhase('done');
  return report;
}

/**
 * Anonymizes a graduate through the account-deletion workflow in its ANONYMIZATION mode
 * (no cool-off, learning records kept under a pseudonym). A deletion or anonymization
 * already running for the user handles them: that counts as done here.
 */
async function anonymizeThroughPrivacy(userId: string): Promise<void> {
  try {
    await executeChild(accountDeletion, {
      workflowId: workflowIds.accountDeletion(userId),
      args: [{ userId, kind: 'ANONYMIZATION', requestedBy: null, coolOffMs: 0 }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: cohortSearchAttributes('account-deletion', userId, undefined, 'opening'),
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}
