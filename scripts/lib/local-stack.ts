import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../api/app';
import { loadConfig, type Config } from '../../lib/config';
import { createKnex, migrateLatest, type Knex } from '../../lib/db/knex';
import { seedAll } from '../../lib/db/seed/index';
import { createLogger } from '../../lib/logger';
import { buildActivityDeps } from '../../worker/deps';
import { buildWorkflowBundle, createWorkers } from '../../worker/worker';
import { COHORT_SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { taskQueues, type TaskQueues } from '../../workflows/shared/task-queues';
import { ensureDatabase } from './database';
import { requireTool } from './tools';

let runtimeInstalled = false;
/** Temporal's own logs would drown the report lines; warnings and errors still show. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already by the caller.
  }
}

export interface LocalStack {
  config: Config;
  knex: Knex;
  client: Client;
  taskQueues: TaskQueues;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * A whole Cohort in this process, for benchmarks and scripts outside vitest: a fresh
 * database on the local PostgreSQL (or BENCH_DATABASE_SERVER), Temporal at
 * TEMPORAL_ADDRESS or a dev server it starts, a worker on private task queues and the
 * API on a loopback port. The same wiring as test/helpers/stack.ts.
 */
export async function startLocalStack(env: Record<string, string> = {}): Promise<LocalStack> {
  quietRuntime();
  const server = new URL(process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `cohort_bench_${randomBytes(5).toString('hex')}`;
  server.pathname = `/${name}`;
  const url = server.toString();
  await ensureDatabase(url);
  const knex = createKnex(url);
  await migrateLatest(knex);
  await seedAll(knex);

  let temporalEnv: TestWorkflowEnvironment | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    temporalEnv = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: requireTool('temporal') }, ip: '127.0.0.1', searchAttributes: COHORT_SEARCH_ATTRIBUTES, log: { format: 'json', level: 'error' } },
    });
    address = temporalEnv.address;
  }
  const config = loadConfig({
    ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: url, TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE_PREFIX: `b${randomBytes(4).toString('hex')}-`, COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'), ...env,
  });
  const logger = createLogger('silent');
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const native = await NativeConnection.connect({ address });
  const bundle = await buildWorkflowBundle();
  const workers: Worker[] = await createWorkers({
    activityDeps: await buildActivityDeps(config, knex, logger), connection: native, namespace: config.TEMPORAL_NAMESPACE,
    taskQueues: queues, workflowBundle: { code: bundle.code },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const app = createApp({ config, knex, temporal: client, taskQueues: queues, logger });
  const http: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });

  return {
    config, knex, client, taskQueues: queues, baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      await new Promise((resolve) => http.close(resolve));
      http.closeAllConnections();
      for (const w of workers) w.shutdown();
      await running;
      await native.close();
      await connection.close();
      await temporalEnv?.teardown();
      await knex.destroy();
      const admin = createKnex(process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres', { max: 1 });
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
