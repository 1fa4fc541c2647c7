import type { Client } from '@temporalio/client';
import type { BlobStore } from '../lib/adapters/blob-store/types';
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
  /** Certificates and exports; createApp makes one from config when absent. */
  blobStore?: BlobStore;
  /** Shared with the METRICS_PORT listener; created by createApp when absent. */
  metrics?: ApiMetrics;
}
