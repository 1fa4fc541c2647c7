import { parseArgs } from 'node:util';
import { buildComplianceReport, type ComplianceReport } from '../lib/compliance/build-compliance-report';
import { createKnex } from '../lib/db/knex';
import { resolveDatabase } from './lib/database';

/**
 * `npm run compliance-report [-- --json]`: the report of GET /api/admin/compliance/report,
 * read from the database (DATABASE_URL, else the local or embedded one), as readable
 * sections or as JSON. Exit codes: 0 printed, 1 failed, 2 bad arguments.
 */
function formatReport(r: ComplianceReport): string {
  const out: string[] = [`Compliance report, ${r.generatedAt}`, ''];
  const c = r.consent;
  out.push(`Consent (active privacy ${c.activePrivacyVersion ?? '-'}, terms ${c.activeTermsVersion ?? '-'})`);
  for (const v of c.byVersion)
    out.push(`  privacy ${v.privacyVersion ?? '-'} / terms ${v.termsVersion ?? '-'}: ${v.users} users`);
  out.push(`  must re-consent: ${c.mustReconsent.count}`);
  out.push(`  marketing consent: ${c.marketing.granted} yes, ${c.marketing.notGranted} no`);
  out.push(`  data retention consent: ${c.dataRetention.granted} yes, ${c.dataRetention.notGranted} no`, '');
  const p = r.privacyRequests;
  out.push(
    `Privacy requests: ${p.open.map((o) => `${o.count} ${o.kind}`).join(', ') || 'none'} open, ${p.overdue} overdue`,
  );
  for (const a of p.attention)
    out.push(`  ${a.overdue ? 'OVERDUE' : 'day 21+'} ${a.kind} ${a.id} opened ${a.openedAt}, deadline ${a.deadlineAt}`);
  out.push('', `Legal holds: ${r.legalHolds.length}`);
  for (const h of r.legalHolds) out.push(`  user ${h.userId} since ${h.since ?? '-'}`);
  out.push('', 'Retention runs (newest first)');
  if (r.retentionRuns.length === 0) out.push('  none yet');
  for (const run of r.retentionRuns) {
    const removed = Object.entries(run.removed)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    const failed = run.failedPolicies.map((f) => `${f.name} (${f.error ?? 'failed'})`).join(', ');
    out.push(`  ${run.startedAt} ${run.status}${run.dryRun ? ' dry run' : ''}: ${removed || 'nothing removed'}`);
    if (failed) out.push(`    failed: ${failed}`);
  }
  out.push(
    '',
    `Erasure reports: ${r.erasureReports.count}${r.erasureReports.note ? ` (${r.erasureReports.note})` : ''}`,
  );
  return out.join('\n');
}

let json = false;
try {
  json = parseArgs({ options: { json: { type: 'boolean' } }, strict: true }).values.json ?? false;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run compliance-report [-- --json]\n`);
  process.exit(2);
}
const database = await resolveDatabase();
const knex = createKnex(database.url, { max: 2 });
try {
  const report = await buildComplianceReport(knex);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
} catch (error) {
  process.stderr.write(`compliance report failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await knex.destroy();
  await database.stop();
}
