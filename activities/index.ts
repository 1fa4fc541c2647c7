import type { Config } from '../lib/config';
import type { Knex } from '../lib/db/knex';
import type { Logger } from '../lib/logger';
import type { EmailSender } from '../lib/adapters/email/index';
import { createEmailActivities } from './email';
import { createLearningActivities } from './learning';
import { createProgressActivities } from './progress';

/** Everything activities are built from; only the worker's composition root builds it. */
export interface ActivityDeps {
  config: Config;
  knex: Knex;
  logger: Logger;
  email: EmailSender;
}

/** All activities of the default task queue, grouped by area. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEmailActivities(deps),
    ...createProgressActivities(deps),
    ...createLearningActivities(deps),
  };
}

export type CohortActivities = ReturnType<typeof createActivities>;
