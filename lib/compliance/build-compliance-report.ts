import { z } from 'zod';
import type { Db } from '../db/knex';
import { policiesRepo } from '../db/repositories/policies';
import { listRetentionRuns } from '../retention/retention-runs';
import { PRIVACY_REMINDER_DAYS } from './privacy-requests';

const iso = z.string();
const count = z.number().int();

/** The compliance report's shape (the API answers it; `npm run compliance-report` prints it). */
export const complianceReportSchema = z.object({
  generatedAt: iso,
  consent: z.object({
    activePrivacyVersion: z.string().nullable(),
    activeTermsVersion: z.string().nullable(),
    /** Users (not anonymized) by the privacy and terms versions they last accepted. */
    byVersion: z.array(
      z.object({ privacyVersion: z.string().nullable(), termsVersion: z.string().nullable(), users: count }),
    ),
    /** Users whose accepted versions are not the active ones: they get 428 until they accept. */
    mustReconsent: z.object({ count, userIds: z.array(z.uuid()) }),
    marketing: z.object({ granted: count, notGranted: count }),
    dataRetention: z.object({ granted: count, notGranted: count }),
  }),
  privacyRequests: z.object({
    open: z.array(z.object({ kind: z.string(), count })),
    /** Open requests at day 21 or later, soonest deadline first; `overdue` once past it. */
    attention: z.array(
      z.object({
        id: z.uuid(),
        kind: z.string(),
        userId: z.uuid().nullable(),
        openedAt: iso,
        deadlineAt: iso,
        overdue: z.boolean(),
      }),
    ),
    overdue: count,
  }),
  legalHolds: z.array(z.object({ userId: z.uuid(), since: iso.nullable(), reason: z.string().nullable() })),
  retentionRuns: z.array(
    z.object({
      workflowId: z.string(),
      status: z.string(),
      dryRun: z.boolean(),
      asOf: iso,
      startedAt: iso,
      finishedAt: iso.nullable(),
      /** Per policy: rows deleted, users anonymized or alerts raised. */
      removed: z.record(z.string(), count),
      failedPolicies: z.array(z.object({ name: z.string(), error: z.string().nullable() })),
    }),
  ),
  erasureReports: z.object({ available: z.boolean(), count, note: z.string().nullable() }),
});
export type ComplianceReport = z.infer<typeof complianceReportSchema>;

const toIso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Everything an operator shows a regulator: consent coverage, privacy requests, holds, retention, erasures. */
export async function buildComplianceReport(db: Db, now = new Date()): Promise<ComplianceReport> {
  const active = await policiesRepo.activeVersions(db);
  const live = () => db('users').where({ anonymized: false });
  const byVersion = (await live()
    .select('privacyVersion', 'termsVersion')
    .count({ users: '*' })
    .groupBy('privacyVersion', 'termsVersion')
    .orderBy([{ column: 'privacyVersion' }, { column: 'termsVersion' }])) as unknown as {
    privacyVersion: string | null;
    termsVersion: string | null;
    users: number;
  }[];
  const stale = () =>
    live().where((q) =>
      q
        .whereRaw('privacy_version IS DISTINCT FROM ?', [active.privacyVersion])
        .orWhereRaw('terms_version IS DISTINCT FROM ?', [active.termsVersion]),
    );
  const [{ n: reconsentCount }] = (await stale().count({ n: '*' })) as [{ n: number }];
  const reconsentIds = await stale().orderBy('id').limit(1000).pluck('id');
  const flags = (await live()
    .select(
      db.raw('count(*) FILTER (WHERE marketing_consent) AS marketing'),
      db.raw('count(*) FILTER (WHERE data_retention_consent) AS retention'),
      db.raw('count(*) AS total'),
    )
    .first()) as { marketing: number; retention: number; total: number };

  const open = (await db('privacyRequests')
    .whereNull('closedAt')
    .select('kind')
    .count({ count: '*' })
    .groupBy('kind')
    .orderBy('kind')) as unknown as { kind: string; count: number }[];
  const remindBefore = new Date(now.getTime() - PRIVACY_REMINDER_DAYS * 86_400_000);
  const attention = (await db('privacyRequests')
    .whereNull('closedAt')
    .where((q) => q.where('openedAt', '<=', remindBefore).orWhere('deadlineAt', '<=', now))
    .orderBy([{ column: 'deadlineAt' }, { column: 'id' }])
    .select('id', 'kind', 'userId', 'openedAt', 'deadlineAt')) as {
    id: string;
    kind: string;
    userId: string | null;
    openedAt: Date;
    deadlineAt: Date;
  }[];

  const holds = (await db('users')
    .where({ legalHold: true })
    .orderBy('legalHoldAt')
    .select('id', 'legalHoldAt', 'legalHoldReason')) as {
    id: string;
    legalHoldAt: Date | null;
    legalHoldReason: string | null;
  }[];

  const runs = await listRetentionRuns(db, 10);

  // Erasure reports live on the finished deletion and anonymization requests (ids and counts only).
  const erasureCount = Number(
    ((await db('deletionRequests').whereNotNull('report').count({ n: '*' })) as [{ n: number }])[0].n,
  );

  return {
    generatedAt: now.toISOString(),
    consent: {
      activePrivacyVersion: active.privacyVersion,
      activeTermsVersion: active.termsVersion,
      byVersion: byVersion.map((r) => ({
        privacyVersion: r.privacyVersion,
        termsVersion: r.termsVersion,
        users: Number(r.users),
      })),
      mustReconsent: { count: Number(reconsentCount), userIds: reconsentIds as string[] },
      marketing: { granted: flags.marketing, notGranted: flags.total - flags.marketing },
      dataRetention: { granted: flags.retention, notGranted: flags.total - flags.retention },
    },
    privacyRequests: {
      open: open.map((r) => ({ kind: r.kind, count: Number(r.count) })),
      attention: attention.map((r) => ({
        id: r.id,
        kind: r.kind,
        userId: r.userId,
        openedAt: toIso(r.openedAt)!,
        deadlineAt: toIso(r.deadlineAt)!,
        overdue: new Date(r.deadlineAt) <= now,
      })),
      overdue: attention.filter((r) => new Date(r.deadlineAt) <= now).length,
    },
    legalHolds: holds.map((h) => ({ userId: h.id, since: toIso(h.legalHoldAt), reason: h.legalHoldReason })),
    retentionRuns: runs.map((run) => {
      const policies = 'policies' in run.report ? run.report.policies : [];
      return {
        workflowId: run.workflowId,
        status: run.status,
        dryRun: run.dryRun,
        asOf: toIso(run.asOf)!,
        startedAt: toIso(run.startedAt)!,
        finishedAt: toIso(run.finishedAt),
        removed: Object.fromEntries(policies.map((p) => [p.name, p.count])),
        failedPolicies: policies
          .filter((p) => p.status === 'failed')
          .map((p) => ({ name: p.name, error: p.error ?? null })),
      };
    }),
    erasureReports: {
      available: true,
      count: erasureCount,
      note: null,
    },
  };
}
