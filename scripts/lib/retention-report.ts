import type { RetentionReport } from '../../lib/retention/retention-runs';
import type { RetentionStatus } from '../../workflows/retention';

/** One line of progress: the policy running and what the run has done so far. */
export function formatProgress(status: RetentionStatus): string {
  const done = status.policies.filter((p) => p.name !== status.current).length;
  const total = status.planned.length + 1;
  const current = status.policies.find((p) => p.name === status.current);
  const verb = status.dryRun ? 'due' : 'done';
  const here = status.current ? ` ${status.current}${current ? ` (${current.count} ${verb})` : ''}` : '';
  return `[${Math.min(done, total)}/${total}] ${status.phase}${here}`;
}

/** The run report as a table a person reads. */
export function formatReport(report: RetentionReport): string {
  const rows = report.policies.map((p) => [
    p.name,
    p.action,
    String(p.count),
    p.failed ? String(p.failed) : '',
    String(p.batches),
    `${p.durationMs} ms`,
    `${p.longestStatementMs} ms`,
    p.status === 'done' ? 'ok' : `FAILED ${p.error ?? ''}`.trim(),
  ]);
  const head = [
    'policy',
    'action',
    report.dryRun ? 'due' : 'count',
    'failed',
    'batches',
    'time',
    'longest stmt',
    'status',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    `retention run${report.dryRun ? ' (dry run: nothing changed)' : ''} as of ${report.asOf}: ${report.status} in ${report.durationMs} ms`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
