import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import { loadConfig, type Config } from '../../lib/config';
import { createKnex, migrateLatest, type Knex } from '../../lib/db/knex';
import { seedAll } from '../../lib/db/seed/index';
import { createLogger } from '../../lib/logger';
import { ensureDatabase } from '../../scripts/lib/database';
import { requireTool } from '../../scripts/lib/tools';
import { startStripeStandin, type StripeStandin } from '../../scripts/stripe-standin/index';
import { buildActivityDeps } from '../../worker/deps';
import { createWorkers } from '../../worker/worker';
import { COHORT_SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { taskQueues, type TaskQueues } from '../../workflows/shared/task-queues';

export interface BenchStack {
  config: Config;
  knex: Knex;
  client: Client;
  nativeConnection: NativeConnection;
  taskQueues: TaskQueues;
  baseUrl: string;
  standin: StripeStandin;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

const BASE_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A whole Cohort for one benchmark: a throwaway database, Temporal (TEMPORAL_ADDRESS or
 * a dev server it starts), the API on a loopback port and the Stripe stand-in.
 */
export async function startBenchStack(): Promise<BenchStack> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed
  }
  const dbName = `cohort_bench_${randomBytes(5).toString('hex')}`;
  const dbUrl = new URL(BASE_PG);
  dbUrl.pathname = `/${dbName}`;
  await ensureDatabase(dbUrl.toString());
  const knex = createKnex(dbUrl.toString(), { max: 20 });
  await migrateLatest(knex);
  await seedAll(knex);

  let env: TestWorkflowEnvironment | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: requireTool('temporal') }, ip: '127.0.0.1', searchAttributes: COHORT_SEARCH_ATTRIBUTES, log: { format: 'json', level: 'error' } },
    });
    address = env.address;
  }
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const standin = await startStripeStandin({ webhookUrl: 'http://127.0.0.1:9/unset', webhookSecret });
  const config = loadConfig({
    NODE_ENV: 'production', LOG_LEVEL: 'silent', DATABASE_URL: dbUrl.toString(), TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}-`, COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: standin.url, ADMIN_EMAIL: 'ops@cohort.test',
  });
  const logger = createLogger('silent');
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });
  const app = createApp({ config, knex, temporal: client, taskQueues: queues, logger });
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standin.controls.setWebhookUrl(`${baseUrl}/api/payments/webhook`);

  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  return {
    config, knex, client, nativeConnection, taskQueues: queues, baseUrl, standin,
    async startWorker() {
      workers = await createWorkers({ activityDeps: await buildActivityDeps(config, knex, logger), connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE, taskQueues: queues });
      running = Promise.all(workers.map((w) => w.run()));
    },
    async close() {
      await standin.close();
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await env?.teardown();
      await knex.destroy();
      const admin = createKnex(BASE_PG, { max: 1 });
      await admin.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

/** Runs `task` `total` times with `concurrency` in flight; returns each call's latency in ms. */
export async function load(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await task(i);
      latencies.push(performance.now() - t0);
    }
  }));
  return { seconds: (performance.now() - started) / 1000, latencies };
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
