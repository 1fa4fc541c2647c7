import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { queryRetentionStatus, startRetentionRun } from '../api/workflows/retention';
import { connectTemporalFromEnv } from './lib/temporal-client';
import { formatProgress, formatReport } from './lib/retention-report';

/**
 * `npm run cleanup-expired-data [-- --dry-run] [--json]`: runs the retention workflow now
 * on the running stack's Temporal (a worker must be polling), shows its progress, and
 * prints the run report. Exit codes: 0 completed, 1 the run failed, 2 bad arguments,
 * 3 a policy failed (the report says which; the others ran).
 */
let args: { 'dry-run'?: boolean; json?: boolean };
try {
  args = parseArgs({ options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true }).values;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run cleanup-expired-data [-- --dry-run] [--json]\n`);
  process.exit(2);
}

const temporal = await connectTemporalFromEnv();
const tty = process.stderr.isTTY;
let lastLine = '';
const show = (line: string) => {
  if (line === lastLine) return;
  lastLine = line;
  process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
};
try {
  const handle = await startRetentionRun(
    { temporal: temporal.client, taskQueues: temporal.taskQueues },
    { dryRun: args['dry-run'] ?? false, date: new Date().toISOString().slice(0, 10) },
  );
  show(`${handle.workflowId}: waiting for a worker on ${temporal.taskQueues.default}`);
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  const progress = (async () => {
    while (!finished) {
      const status = await queryRetentionStatus(handle);
      if (status && !finished) show(`${handle.workflowId} ${formatProgress(status)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const report = await result;
  await progress;
  if (tty) process.stderr.write('\n');
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  process.exitCode = report.status === 'COMPLETED' ? 0 : 3;
} catch (error) {
  if (tty) process.stderr.write('\n');
  const cause =
    error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : (error as Error).message;
  process.stderr.write(`retention run failed: ${cause}\n`);
  process.exitCode = 1;
} finally {
  await temporal.close();
}
