import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { decodeHistory } from '../lib/temporal-codec/index';
import * as registered from '../workflows/index';
import { connectTemporalFromEnv } from './lib/temporal-client';
import { PROJECT_ROOT } from './lib/tools';

/**
 * `npm run record-histories [-- type…]`: saves the newest history of each workflow type
 * (default: every type workflows/index.ts exports but ping) from a running stack (after
 * `npm run demo`), and the one before it, into test/histories/, where CI replays them
 * against the current workflow code to catch non-deterministic changes. Each goes to the
 * next free `<type>-N.json`: recorded files are never overwritten, and a run already
 * recorded is skipped. Payloads are stored decoded (the stack's key, COHORT_ENCRYPTION_KEY or
 * `.data/secrets.json`): the replay test has no key, and a recorded history must show it
 * carries ids only.
 */
const TYPES = process.argv.slice(2).length
  ? process.argv.slice(2)
  : Object.entries(registered)
      .filter(([name, value]) => typeof value === 'function' && name !== 'ping')
      .map(([name]) => name);
const temporal = await connectTemporalFromEnv();
const { client } = temporal;
const [codec] = temporal.dataConverter.payloadCodecs;
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
      // The JSON form Temporal's CLI writes and historyFromJSON reads back (Temporal's documented path).
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const json = historyToJSON(await decodeHistory(history, codec));
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
  await temporal.close();
}
