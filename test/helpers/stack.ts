import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { buildActivityDeps } from '../../worker/deps';
import { createWorkers } from '../../worker/worker';
import { taskQueues, type TaskQueues } from '../../workflows/shared/task-queues';
import { createTestDatabase, type TestDatabase } from './db';
import { HttpClient } from './http';

export interface StackOptions {
  env?: Record<string, string>;
  /** Start no worker (tests that start their own). */
  worker?: boolean;
}

export interface TestStack {
  config: Config;
  db: TestDatabase;
  knex: TestDatabase['knex'];
  client: Client;
  taskQueues: TaskQueues;
  baseUrl: string;
  http: HttpClient;
  /** Stops the worker (to simulate a crash) and starts a fresh one. */
  restartWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

let runtimeInstalled = false;
/** Quiet Temporal's own logs in tests (once per process, before any connection). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG_LEVEL as 'WARN') ?? 'WARN') });
  } catch {
    // Already installed by another helper in this process.
  }
}

export function testConfig(db: TestDatabase, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}-`,
    COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...overrides,
  });
}

/**
 * A whole Cohort for one test file: its own database, its own task queues on the
 * shared Temporal server, a worker running the prebuilt bundle, and the API on a
 * loopback port.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  installTestRuntime();
  const db = await createTestDatabase();
  const config = testConfig(db, options.env);
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  const logger = createLogger(config.LOG_LEVEL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });

  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  const startWorker = async () => {
    workers = await createWorkers({
      activityDeps: await buildActivityDeps(config, db.knex, logger), connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE,
      taskQueues: queues, workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    running = Promise.all(workers.map((w) => w.run()));
  };
  const stopWorker = async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    workers = [];
  };
  if (options.worker !== false) await startWorker();

  const deps: AppDeps = { config, knex: db.knex, temporal: client, taskQueues: queues, logger };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    config, db, knex: db.knex, client, taskQueues: queues, baseUrl,
    http: new HttpClient(baseUrl),
    stopWorker, startWorker,
    async restartWorker() {
      await stopWorker();
      await startWorker();
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await stopWorker();
      await nativeConnection.close();
      await connection.close();
      await db.drop();
    },
  };
}
