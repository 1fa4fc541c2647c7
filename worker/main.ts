import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, ConfigError } from '../lib/config';
import { createKnex } from '../lib/db/knex';
import { createLogger, temporalLogger } from '../lib/logger';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { cohortDataConverter } from '../lib/temporal-codec/index';
import { taskQueues } from '../lib/temporal/task-queues';
import { startTracing } from '../lib/tracing';
import { buildActivityDeps, buildWorkspaceActivityDeps } from './deps';
import { startPendingCertifications } from './certification-sweep';
import { ensureRetentionSchedule } from './schedules';
import { createWorkers, runWorkers } from './worker';

/** The worker process. Temporal's Worker drains on SIGINT/SIGTERM by itself. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // Before the first connection: Temporal's logs (workflow and activity `log`, the SDK, its
  // core) go through pino with its redaction, and the SDK's own metrics exporter when asked.
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { forward: {} },
      ...(config.WORKER_METRICS_PORT === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.WORKER_METRICS_PORT}` } } }),
    },
  });
  const tracing = startTracing(config, 'cohort-worker');
  const knex = createKnex(config.DATABASE_URL);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  const dataConverter = cohortDataConverter(config);
  // The client outlives the schedule bootstrap: the erasure's activities cancel the user's workflows with it.
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
  const activityDeps = await buildActivityDeps(config, knex, logger, client);
  const workspaceActivityDeps = config.WORKER_QUEUES.includes('workspace')
    ? await buildWorkspaceActivityDeps(config, knex)
    : undefined;
  const workers = await createWorkers({
    activityDeps,
    queues: config.WORKER_QUEUES,
    workspaceActivityDeps,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter,
    taskQueues: queues,
    workflowBundle: config.WORKFLOW_BUNDLE_PATH ? { codePath: config.WORKFLOW_BUNDLE_PATH } : undefined,
    tracing,
  });
  const scheduled = await ensureRetentionSchedule(client, config, queues);
  // Hand-overs recorded before certification existed (or whose workflow failed) start it now.
  // A failed sweep does not keep the worker down: the next start sweeps again.
  if (config.WORKER_QUEUES.includes('default'))
    await startPendingCertifications({ knex, temporal: client, taskQueues: queues, logger }).catch((error: unknown) =>
      logger.warn({ err: error }, 'certification hand-over sweep failed'),
    );
  logger.info(
    { taskQueues: config.WORKER_QUEUES.map((kind) => queues[kind]), retentionSchedule: scheduled },
    'worker running',
  );
  try {
    await runWorkers(workers);
  } finally {
    await Promise.allSettled([
      knex.destroy(),
      workspaceActivityDeps?.workspaceKnex.destroy(),
      connection.close(),
      tracing?.shutdown(),
      clientConnection.close(),
    ]);
    logger.info('worker stopped');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
