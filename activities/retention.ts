import { ApplicationFailure, Context } from '@temporalio/activity';
import { claimDeadlineAlerts, type DeadlineAlert } from '../lib/compliance/privacy-requests';
import { findPolicy, RETENTION_POLICIES } from '../lib/retention/policies';
import type { DeletionPolicy, RetentionContext, SubjectPolicy } from '../lib/retention/policy';
import { recordRetentionRun, type RetentionReport } from '../lib/retention/retention-runs';
import { runDeletion, type DeletionProgress, type DeletionTuning } from '../lib/retention/run-deletion';
import type { ActivityDeps } from './index';

export interface PlannedPolicy {
  name: string;
  kind: 'delete' | 'subjects';
}

export interface RunDeletionInput {
  policy: string;
  asOf: string;
  dryRun: boolean;
  cursor: string | null;
  tuning?: DeletionTuning;
}

function policyOf<K extends 'delete' | 'subjects'>(name: string, kind: K) {
  const policy = findPolicy(name);
  if (!policy || policy.kind !== kind)
    throw ApplicationFailure.nonRetryable(`no ${kind} policy ${name}`, 'UnknownPolicy');
  return policy as K extends 'delete' ? DeletionPolicy : SubjectPolicy;
}

/** Retention: planning, batched deletes (heartbeating per batch), subject selection, deadline alerts, the run record. */
export function createRetentionActivities(deps: ActivityDeps) {
  const context = (asOf: string): RetentionContext => ({ asOf: new Date(asOf), settings: deps.config });

  return {
    /** The policies a run applies, in order (later capabilities add theirs to the registry). */
    async planRetention(): Promise<PlannedPolicy[]> {
      return RETENTION_POLICIES.map((p) => ({ name: p.name, kind: p.kind }));
    },

    /**
     * One policy's deletes from `cursor` for up to the budget, heartbeating after each batch;
     * a retry resumes from the last heartbeat's cursor. A dry run only counts.
     */
    async runRetentionDeletion(input: RunDeletionInput): Promise<DeletionProgress> {
      const policy = policyOf(input.policy, 'delete');
      const ctx = context(input.asOf);
      if (input.dryRun) {
        const t0 = performance.now();
        const due = await policy.countDue(deps.knex, ctx);
        const ms = performance.now() - t0;
        return { handled: due, batches: 1, cursor: null, done: true, durationMs: ms, longestStatementMs: ms };
      }
      const activity = Context.current();
      const resumed = activity.info.heartbeatDetails as DeletionProgress | undefined;
      const progress = await runDeletion(
        deps.knex,
        policy,
        ctx,
        { cursor: resumed?.cursor ?? input.cursor },
        (p) => activity.heartbeat(p),
        input.tuning,
      );
      // Rows an earlier attempt deleted before it died count too.
      return resumed ? { ...progress, handled: progress.handled + resumed.handled } : progress;
    },

    /** The next subjects (user ids) of a subject policy after `cursor`; in a dry run, only how many are due. */
    async selectRetentionSubjects(input: {
      policy: string;
      asOf: string;
      dryRun: boolean;
      cursor: string | null;
      limit: number;
    }): Promise<{ ids: string[]; due: number }> {
      const policy = policyOf(input.policy, 'subjects');
      const ctx = context(input.asOf);
      if (input.dryRun) return { ids: [], due: await policy.countDue(deps.knex, ctx) };
      const { ids } = await policy.selectDue(deps.knex, ctx, input.cursor, input.limit);
      return { ids, due: ids.length };
    },

    /** Open privacy requests at day 21 or past their deadline, claimed once per run (listed only in a dry run). */
    async claimPrivacyDeadlineAlerts(input: {
      asOf: string;
      claimant: string;
      dryRun: boolean;
    }): Promise<DeadlineAlert[]> {
      return claimDeadlineAlerts(deps.knex, new Date(input.asOf), input.claimant, input.dryRun);
    },

    /** Creates (RUNNING) or completes the run's row in retention_runs. */
    async recordRetentionRun(input: {
      workflowId: string;
      firstRunId: string;
      dryRun: boolean;
      asOf: string;
      report?: RetentionReport;
    }): Promise<void> {
      await recordRetentionRun(deps.knex, { ...input, asOf: new Date(input.asOf) });
    },
  };
}

/**
 * `anonymizeUser` until the privacy capability (issue 11) provides the real one: the
 * privacy erasure steps are not in this build, so it fails for good and the retention run
 * reports the policy failed rather than pretend. activities/index.ts spreads this first,
 * so an `anonymizeUser` from any other factory replaces it.
 */
export const anonymizationUnavailable = {
  async anonymizeUser(input: { userId: string }): Promise<{ userId: string }> {
    throw ApplicationFailure.nonRetryable(
      `anonymization is not available in this build (user ${input.userId} stays as is)`,
      'AnonymizationUnavailable',
    );
  },
};
