import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import * as registered from '../workflows/index';
import { PROJECT_ROOT, requireTool } from './lib/tools';

/**
 * `npm run record-histories [-- type…]`: saves the newest history of each workflow type
 * (default: every type workflows/index.ts exports but ping) from a running stack (after
 * `npm run demo`), and the one before it, into test/histories/, where CI replays them
 * against the current workflow code to catch non-deterministic changes. Each goes to the
 * next free `<type>-N.json`: recorded files are never overwritten, and a run already
 * recorded is skipped.
 */
const TYPES = process.argv.slice(2).length
  ? process.argv.slice(2)
  : Object.entries(registered)
      .filter(([name, value]) => typeof value === 'function' && name !== 'ping')
      .map(([name]) => name);
const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
const dir = join(PROJECT_ROOT, 'test', 'histories');
mkdirSync(dir, { recursive: true });
/** The run ids already in test/histories/<type>-N.json, and the next free N. */
function recorded(type: string): { runIds: Set<string | undefined>; next: () => string } {
  const mine = readdirSync(dir).filter((f) => new RegExp(`^${type}-\\d+\\.json$`).test(f));
  const runIds = new Set(
    mine.map(
      (f) =>
        (
          JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
            events: Array<{ workflowExecutionStartedEventAttributes?: { originalExecutionRunId?: string } }>;
          }
        ).events[0]!.workflowExecutionStartedEventAttributes?.originalExecutionRunId,
    ),
  );
  let n = 0;
  return {
    runIds,
    next: () => {
      while (existsSync(join(dir, `${type}-${++n}.json`)));
      return join(dir, `${type}-${n}.json`);
    },
  };
}

try {
  for (const type of TYPES) {
    let saved = 0;
    const { runIds, next } = recorded(type);
    for await (const execution of client.workflow.list({ query: `WorkflowType = '${type}'` })) {
      if (runIds.has(execution.runId)) continue;
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
      const file = next();
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
