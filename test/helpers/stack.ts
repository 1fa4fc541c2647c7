import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { History } from '@temporalio/common/lib/proto-utils';
import { decodeHistory, historyText } from '../../lib/temporal-codec/index';
import { loadConfig, type Config } from '../../lib/config';
import {
  installQuietRuntime,
  startCohortStack,
  type CohortStack,
  type CohortStackOptions,
} from '../../scripts/lib/local-stack';
import { createTestDatabase, type TestDatabase } from './db';
import { HttpClient } from './http';

export type StackOptions = Pick<CohortStackOptions, 'env' | 'worker' | 'stripe' | 'adminAlerts' | 'logger' | 'tracing'>;

export interface TestStack extends CohortStack {
  db: TestDatabase;
  http: HttpClient;
  /**
   * A run's history with its payloads decrypted by the stack's codec: what to search for
   * personal data (the raw history is ciphertext, which would hide it) or to record.
   */
  decodedHistory(workflowId: string, runId?: string): Promise<History>;
  /** The decoded history as text to search (payload bytes as UTF-8, see historyText). */
  historyText(workflowId: string, runId?: string): Promise<string>;
}

/** Quiet Temporal's own logs in tests (once per process, before any connection). */
export function installTestRuntime(): void {
  installQuietRuntime((process.env.TEST_TEMPORAL_LOG_LEVEL as 'WARN') ?? 'WARN');
}

/** What every test config sets; `overrides` last. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TEMPORAL_TASK_QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}-`,
    // Test files sign up and log in many users from one loopback address; the abuse limits
    // themselves are tested (with small limits) in rate-limits.test.ts.
    RATE_LIMIT_LOGIN_IP: '10000/15m',
    RATE_LIMIT_SIGNUP: '10000/1h',
    RATE_LIMIT_SET_PASSWORD: '10000/1h',
    RATE_LIMIT_VERIFY_EMAIL: '10000/1h',
    RATE_LIMIT_FORGOT_PASSWORD_IP: '10000/1h',
    RATE_LIMIT_FORGOT_PASSWORD_ACCOUNT: '10000/1h',
    ...overrides,
  };
}

export function testConfig(db: TestDatabase, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...testEnv(overrides),
  });
}

/**
 * A whole Cohort for one test file: its own database copied from the run's template,
 * its own task queues on the shared Temporal server, a worker running the prebuilt
 * bundle, and the API on a loopback port.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  installTestRuntime();
  const db = await createTestDatabase();
  const stack = await startCohortStack({
    ...options,
    database: () => Promise.resolve(db),
    temporalAddress: inject('temporalAddress'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    env: testEnv(options.env),
  });
  const [codec] = stack.dataConverter.payloadCodecs;
  const decodedHistory = async (workflowId: string, runId?: string) =>
    decodeHistory(await stack.client.workflow.getHandle(workflowId, runId).fetchHistory(), codec);
  return Object.assign(stack, {
    db,
    http: new HttpClient(stack.baseUrl),
    decodedHistory,
    historyText: async (workflowId: string, runId?: string) => historyText(await decodedHistory(workflowId, runId)),
  });
}
