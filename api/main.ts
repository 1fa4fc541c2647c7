import { Client, Connection } from '@temporalio/client';
import { createApp } from './app';
import { answerClientErrorsAsProblems } from './http/client-errors';
import { createApiMetrics, startMetricsServer } from './http/metrics';
import { loadConfig, ConfigError } from '../lib/config';
import { createSecretStore } from '../lib/adapters/secret-store/index';
import { createKnex } from '../lib/db/knex';
import { createLogger } from '../lib/logger';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { cohortDataConverter } from '../lib/temporal-codec/index';
import { taskQueues } from '../lib/temporal/task-queues';
import { clientTracingInterceptors, startTracing } from '../lib/tracing';

/** The API process: the composition root that reads config and opens connections. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const tracing = startTracing(config, 'cohort-api');
  const knex = createKnex(config.DATABASE_URL);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: clientTracingInterceptors(tracing),
    dataConverter: cohortDataConverter(config),
  });
  const metrics = createApiMetrics();
  const app = createApp({
    config,
    knex,
    temporal,
    taskQueues: taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX),
    logger,
    metrics,
    secrets: createSecretStore(config, knex),
    tracer: tracing?.tracer,
  });

  const server = app.listen(config.PORT, () => logger.info({ port: config.PORT }, 'api listening'));
  answerClientErrorsAsProblems(server);
  const metricsServer =
    config.METRICS_PORT === undefined ? undefined : await startMetricsServer(metrics, config.METRICS_PORT);
  if (metricsServer) logger.info({ port: config.METRICS_PORT }, 'metrics listening');
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'api shutting down');
    metricsServer?.close();
    server.close(async () => {
      await Promise.allSettled([knex.destroy(), connection.close(), tracing?.shutdown()]);
      process.exit(0);
    });
    // In-flight requests get 10 s, then the process goes anyway.
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
