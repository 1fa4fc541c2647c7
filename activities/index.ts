import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import type { Logger } from '../lib/logger';

/** Everything activities are built from; only the worker's composition root builds it. */
export interface ActivityDeps {
  config: Config;
  knex: Knex;
  logger: Logger;
}

/** All activities of the default task queue, grouped by area. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type CohortActivities = ReturnType<typeof createActivities>;
