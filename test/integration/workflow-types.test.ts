import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index';
import * as registered from '../../workflows/index';
import { cohortDataConverter } from '../../lib/temporal-codec/index';
import { PROJECT_ROOT } from '../../scripts/lib/tools';
import { installTestRuntime } from '../helpers/stack';

/**
 * Every workflow type the worker registers (the functions workflows/index.ts exports) must
 * be visible to ops: the search attributes set at start, CohortPhase upserted as it moves,
 * a `status` query, and a recorded history that CI replays (replay.test.ts). A new type
 * without them fails here.
 */
const dir = join(PROJECT_ROOT, 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
// ping is the worker's smoke test and the benchmarks' baseline: no user, no phases.
const EXEMPT = new Set(['ping']);
// Types that concern no one user, each with its reason.
const USERLESS: Record<string, string> = {
  stripeAlert: 'a refund or dispute of a payment Cohort never recorded names no Cohort user',
  retention: 'a daily sweep over everyone',
};
const types = Object.entries(registered)
  .filter(([name, value]) => typeof value === 'function' && !EXEMPT.has(name))
  .map(([name]) => name);

interface Payload {
  metadata?: Record<string, string>;
  data?: string;
}
interface HistoryEvent {
  eventType: string;
  workflowExecutionStartedEventAttributes?: {
    input?: { payloads?: Payload[] };
    searchAttributes?: { indexedFields?: Record<string, Payload> };
  };
  upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, Payload> } };
}
const decode = (p: Payload): unknown => JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8'));
const historiesOf = (type: string) =>
  files
    .filter((f) => new RegExp(`^${type}-\\d+\\.json$`).test(f))
    .map((f) => ({
      file: f,
      events: (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { events: HistoryEvent[] }).events,
    }));
const startOf = (events: HistoryEvent[]) => events[0]!.workflowExecutionStartedEventAttributes!;
const phasesOf = (events: HistoryEvent[]) =>
  events
    .filter((e) => e.eventType === 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')
    .map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.CohortPhase)
    .filter((p): p is Payload => p !== undefined)
    .map(decode);

it('finds the registered workflow types', () => {
  expect(types).toEqual(expect.arrayContaining(['onboarding', 'submission', 'review', 'accountEmail', 'stripeAlert']));
});

describe.each(types)('workflow type %s', (type) => {
  it('has a recorded history in test/histories/ (replayed by replay.test.ts)', () => {
    expect(historiesOf(type).map((h) => h.file)).not.toEqual([]);
  });

  it('is started with CohortKind and CohortUserId, and upserts CohortPhase as it moves', () => {
    const histories = historiesOf(type);
    const newest = histories.at(-1)!;
    const fields = startOf(newest.events).searchAttributes?.indexedFields ?? {};
    expect(Object.keys(fields), newest.file).toContain('CohortKind');
    if (!USERLESS[type]) expect(Object.keys(fields), newest.file).toContain('CohortUserId');
    // The newest history that upserts phases: the spelling rule holds for today's code.
    const phased = histories.filter((h) => phasesOf(h.events).length > 0).at(-1);
    expect(phased, `no ${type} history upserts CohortPhase`).toBeDefined();
    expect(phasesOf(phased!.events).every((p) => typeof p === 'string' && /^[A-Z_]+$/.test(p))).toBe(true);
  });
});

describe('the status query', () => {
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `types-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    installTestRuntime();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
    // Encrypted payloads, as every Cohort client and worker sends them: the recorded inputs go through the codec.
    const dataConverter = cohortDataConverter({
      COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      COHORT_PREVIOUS_ENCRYPTION_KEYS: [],
    });
    client = new Client({ connection, dataConverter });
    // Every activity hangs until cancelled: each workflow stops at its first one, where ops most often look.
    // Only the names are wanted, so the factory gets empty dependencies (it only closes over them).
    const names = Object.keys(createActivities(new Proxy({}, { get: () => ({}) }) as ActivityDeps));
    worker = await Worker.create({
      connection: nativeConnection,
      dataConverter,
      taskQueue,
      activities: Object.fromEntries(names.map((name) => [name, () => Context.current().cancelled])),
      shutdownGraceTime: '1s',
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await nativeConnection?.close();
    await connection?.close();
  });

  it.each(types)('%s answers `status` while running (with its recorded input)', async (type) => {
    const [history] = historiesOf(type);
    expect(history, `no recorded ${type} history to take the input from`).toBeDefined();
    const args = (startOf(history!.events).input?.payloads ?? []).map(decode);
    const handle = await client.workflow.start(type, {
      taskQueue,
      workflowId: `types-${type}-${randomBytes(4).toString('hex')}`,
      args,
    });
    try {
      const answer = await handle.query<unknown>('status');
      expect(answer).not.toBeUndefined();
      expect(answer).not.toBeNull();
    } finally {
      await handle.terminate('workflow-types test over');
    }
  });
});
