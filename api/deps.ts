import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import type { Logger } from '../lib/logger';
import type { TaskQueues } from '../workflows/shared/task-queues';

/** What the API is built from; only api/main.ts and test helpers construct it. */
export interface AppDeps {
  config: Config;
  knex: Knex;
  temporal: Client;
  taskQueues: TaskQueues;
  logger: Logger;
  /** Overridable clock for tests of expiry rules. */
  now?: () => Date;
}
