import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type LogLevel, type Worker, type WorkerOptions } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../api/app';
import { answerClientErrorsAsProblems } from '../../api/http/client-errors';
import { loadConfig, type Config } from '../../lib/config';
import { createKnex, migrateLatest, type Knex } from '../../lib/db/knex';
import { seedAll } from '../../lib/db/seed/index';
import { createLogger, temporalLogger, type Logger } from '../../lib/logger';
import type { WorkspaceActivityDeps } from '../../activities/workspace';
import { createSecretStore } from '../../lib/adapters/secret-store/index';
import { buildActivityDeps, buildWorkspaceActivityDeps } from '../../worker/deps';
import { buildWorkflowBundle, createWorkers } from '../../worker/worker';
import { COHORT_SEARCH_ATTRIBUTES } from '../../lib/temporal/search-attributes';
import { cohortDataConverter } from '../../lib/temporal-codec/index';
import { taskQueues, type TaskQueues } from '../../lib/temporal/task-queues';
import { clientTracingInterceptors, type Tracing } from '../../lib/tracing';
import { startStripeStandin, type StripeStandin } from '../stripe-standin/index';
import { ensureDatabase } from './database';
import { requireTool } from './tools';

let runtimeInstalled = false;
/**
 * Temporal's own logs would drown test and report output; once per process, before any
 * connection. They go through pino (redaction included) as in worker/main.ts.
 */
export function installQuietRuntime(level: LogLevel = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: temporalLogger(createLogger(level.toLowerCase())),
      telemetryOptions: { logging: { forward: {} } },
    });
  } catch {
    // Installed already by the caller.
  }
}

/** A Temporal dev server on loopback with Cohort's search attributes registered. */
export function startTemporalDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: requireTool('temporal') },
      ip: '127.0.0.1',
      searchAttributes: COHORT_SEARCH_ATTRIBUTES,
      log: { format: 'json', level: 'error' },
    },
  });
}

export interface StackDatabase {
  url: string;
  knex: Knex;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated and seeded database on `server` (BENCH_DATABASE_SERVER, else the
 * local PostgreSQL), dropped by `drop()`.
 */
export async function createFreshDatabase(
  server = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  poolMax = 20,
): Promise<StackDatabase> {
  const name = `cohort_bench_${randomBytes(5).toString('hex')}`;
  const target = new URL(server);
  target.pathname = `/${name}`;
  const url = target.toString();
  await ensureDatabase(url);
  const knex = createKnex(url, { max: poolMax });
  await migrateLatest(knex);
  await seedAll(knex);
  return {
    url,
    knex,
    async drop() {
      await knex.destroy();
      const admin = createKnex(server, { max: 1 });
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

export interface CohortStackOptions {
  /** Creates the stack's database; the stack drops it on close. Default: createFreshDatabase(). */
  database?: () => Promise<StackDatabase>;
  /** Default: TEMPORAL_ADDRESS, else a dev server this stack starts and stops. */
  temporalAddress?: string;
  /** Default: the workflows bundled once, when a worker first starts. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Config variables, applied last. */
  env?: Record<string, string>;
  /** false: start no worker now (callers start it with startWorker()). */
  worker?: boolean;
  /** Run the Stripe stand-in, its webhooks aimed at this stack's API. */
  stripe?: boolean;
  /** Where the admin alerts go (ADMIN_EMAIL, SLACK_WEBHOOK_URL). */
  adminAlerts?: { email: string; slackWebhookUrl?: string };
  /** The API's and worker's logger; default: pino at LOG_LEVEL on stdout. */
  logger?: Logger;
  /** OpenTelemetry for the API, its Temporal client and the worker (default: off). */
  tracing?: Tracing;
}

export interface CohortStack {
  config: Config;
  database: StackDatabase;
  knex: Knex;
  /** Encrypts payloads as the stack's worker and API do (cohortDataConverter); for tests' own clients and workers. */
  dataConverter: ReturnType<typeof cohortDataConverter>;
  client: Client;
  nativeConnection: NativeConnection;
  taskQueues: TaskQueues;
  baseUrl: string;
  /** Present when started with `stripe: true`. */
  standin: StripeStandin | undefined;
  startWorker(): Promise<void>;
  /** Stops the worker, as a crash would. */
  stopWorker(): Promise<void>;
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

async function startStandin(
  enabled: boolean | undefined,
): Promise<{ standin?: StripeStandin; env: Record<string, string> }> {
  if (!enabled) return { env: {} };
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  // The webhook URL is known only once the API listens; see startCohortStack.
  const standin = await startStripeStandin({ webhookUrl: 'http://127.0.0.1:9/unset', webhookSecret });
  return {
    standin,
    env: { STRIPE_SECRET_KEY: 'sk_test_cohort', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: standin.url },
  };
}

function alertEnv(alerts: CohortStackOptions['adminAlerts']): Record<string, string> {
  if (!alerts) return {};
  return {
    ADMIN_EMAIL: alerts.email,
    ...(alerts.slackWebhookUrl ? { SLACK_WEBHOOK_URL: alerts.slackWebhookUrl } : {}),
  };
}

/**
 * A whole Cohort in this process, for tests, benchmarks and scripts: its own database,
 * Temporal (given or a dev server it starts), worker(s) on private task queues, the API
 * on a loopback port and, when asked, the Stripe stand-in.
 */
export async function startCohortStack(options: CohortStackOptions = {}): Promise<CohortStack> {
  installQuietRuntime();
  const database = await (options.database ?? createFreshDatabase)();
  let temporalEnv: TestWorkflowEnvironment | undefined;
  let address = options.temporalAddress ?? process.env.TEMPORAL_ADDRESS;
  if (!address) {
    temporalEnv = await startTemporalDevServer();
    address = temporalEnv.address;
  }
  const stripe = await startStandin(options.stripe);
  // A private DATA_DIR (the outbox's .eml files), unless the caller names one: never the developer's .data.
  const ownDataDir = options.env?.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'cohort-stack-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TEMPORAL_TASK_QUEUE_PREFIX: `s${randomBytes(5).toString('hex')}-`,
    COHORT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address,
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
    ...stripe.env,
    ...alertEnv(options.adminAlerts),
    ...options.env,
  });
  const { knex } = database;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const dataConverter = cohortDataConverter(config);
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter,
    interceptors: clientTracingInterceptors(options.tracing),
  });
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });

  let bundle = options.workflowBundle;
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let workspaceDeps: WorkspaceActivityDeps | undefined;
  const startWorker = async () => {
    bundle ??= { code: (await buildWorkflowBundle()).code };
    workspaceDeps ??= await buildWorkspaceActivityDeps(config, knex);
    workers = await createWorkers({
      activityDeps: await buildActivityDeps(config, knex, logger, client),
      workspaceActivityDeps: workspaceDeps,
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter,
      taskQueues: queues,
      workflowBundle: bundle,
      tracing: options.tracing,
    });
    running = Promise.all(workers.map((w) => w.run()));
  };
  const stopWorker = async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    workers = [];
  };
  if (options.worker !== false) await startWorker();

  const app = createApp({
    config,
    knex,
    temporal: client,
    taskQueues: queues,
    logger,
    secrets: createSecretStore(config, knex),
    tracer: options.tracing?.tracer,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  answerClientErrorsAsProblems(server);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stripe.standin?.controls.setWebhookUrl(`${baseUrl}/api/payments/webhook`);

  return {
    config,
    database,
    knex,
    dataConverter,
    client,
    nativeConnection,
    taskQueues: queues,
    baseUrl,
    standin: stripe.standin,
    startWorker,
    stopWorker,
    async restartWorker() {
      await stopWorker();
      await startWorker();
    },
    async close() {
      await stripe.standin?.close();
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await stopWorker();
      await workspaceDeps?.workspaceKnex.destroy();
      await nativeConnection.close();
      await connection.close();
      await temporalEnv?.teardown();
      await database.drop();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}
