import type { BlobStore } from '../lib/adapters/blob-store/index';
import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { SecretStore } from '../lib/adapters/secret-store/types';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import type { Logger } from '../lib/logger';
import type { TaskQueues } from '../lib/temporal/task-queues';
import type { ApiMetrics } from './http/metrics';

/** What the API is built from; only api/main.ts and test helpers construct it. */
export interface AppDeps {
  config: Config;
  knex: Knex;
  temporal: Client;
  taskQueues: TaskQueues;
  logger: Logger;
  /** Where workspace credentials are read from; created from config by createApp when absent. */
  secrets?: SecretStore;
  /** Shared with the METRICS_PORT listener; created by createApp when absent. */
  metrics?: ApiMetrics;
  /** Export archives (signed download links); built from config by createApp when absent. */
  blobs?: BlobStore;
  /** Tracing on (OTEL_EXPORTER_OTLP_ENDPOINT, or a test's exporter): a server span per request. */
  tracer?: Tracer;
}
