import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT, requireTool } from './lib/tools';

/**
 * `npm run record-histories`: saves the newest history of each workflow type from a
 * running stack (after `npm run demo`), and the one before it, into test/histories/, where CI replays them
 * against the current workflow code to catch non-deterministic changes.
 */
const TYPES = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['onboarding', 'submission', 'review', 'accountEmail', 'certification'];
const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
const dir = join(PROJECT_ROOT, 'test', 'histories');
mkdirSync(dir, { recursive: true });
try {
  for (const type of TYPES) {
    let saved = 0;
    for await (const execution of client.workflow.list({ query: `WorkflowType = '${type}'` })) {
      // The CLI writes the JSON form that historyFromJSON reads back (Temporal's documented path).
      const json = execFileSync(
        requireTool('temporal'),
        [
          'workflow',
          'show',
          '--address',
          address,
          '--namespace',
          client.options.namespace,
          '--workflow-id',
          execution.workflowId,
          '--run-id',
          execution.runId,
          '--output',
          'json',
        ],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const file = join(dir, `${type}-${saved + 1}.json`);
      writeFileSync(file, json);
      process.stdout.write(
        `${type}: ${execution.workflowId} (${execution.status.name}, ${JSON.parse(json).events.length} events) → ${file}\n`,
      );
      if (++saved === 2) break;
    }
    if (saved === 0) process.stdout.write(`${type}: no execution found\n`);
  }
} finally {
  await connection.close();
}
