import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createKnex, migrateLatest } from '../lib/db/knex';
import { seedAll } from '../lib/db/seed/index';
import { startTemporalDevServer } from '../scripts/lib/local-stack';
import { PROJECT_ROOT } from '../scripts/lib/tools';
import { buildWorkflowBundle } from '../worker/worker';
import { adminUrl, databaseUrl } from './helpers/pg-url';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    templateDatabase: string;
    runId: string;
  }
}

/**
 * Once per `npm test`: a real Temporal dev server (or TEMPORAL_ADDRESS), the workflow
 * bundle built once, and a migrated, seeded template database that each test file
 * copies into a fresh database of its own.
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid}`;
  const templateDatabase = `cohort_tpl_${runId}`;

  const admin = createKnex(adminUrl(), { max: 1 });
  await admin.raw(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.raw(`CREATE DATABASE ${templateDatabase}`);
  const template = createKnex(databaseUrl(templateDatabase), { max: 1 });
  await migrateLatest(template);
  await seedAll(template);
  await template.destroy();

  let env: TestWorkflowEnvironment | undefined;
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    env = await startTemporalDevServer();
    temporalAddress = env.address;
  }

  const bundle = await buildWorkflowBundle();
  const dir = join(PROJECT_ROOT, '.data', 'test');
  mkdirSync(dir, { recursive: true });
  const workflowBundlePath = join(dir, `workflow-bundle-${runId}.js`);
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporalAddress);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);

  return async () => {
    await env?.teardown();
    const leftovers = await admin.raw(`SELECT datname FROM pg_database WHERE datname LIKE ?`, [`cohort_t_${runId}_%`]);
    for (const { datname } of leftovers.rows as { datname: string }[])
      await admin.raw(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.raw(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await admin.destroy();
  };
}
