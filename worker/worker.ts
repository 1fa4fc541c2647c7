import { NativeConnection, Worker, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../activities/index';
import { createPdfActivities } from '../activities/pdf';
import { createBlobStore } from '../lib/adapters/blob-store/index';
import { createPdfRenderer } from '../lib/adapters/pdf';
import type { TaskQueues } from '../lib/temporal/task-queues';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles `workflowsPath` (Cohort's workflows by default) without the bundler's chatter. */
export function buildWorkflowBundle(workflowsPath = WORKFLOWS_PATH) {
  return bundleWorkflowCode({
    workflowsPath,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    } as never,
  });
}

export interface WorkerDeps {
  activityDeps: ActivityDeps;
  connection: NativeConnection;
  namespace: string;
  taskQueues: TaskQueues;
  /** A prebuilt bundle (tests, production images); else workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The workers of one process: the default queue now; pdf and workspace queues join as they come. */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const workflowSource = deps.workflowBundle
    ? { workflowBundle: deps.workflowBundle }
    : { workflowsPath: WORKFLOWS_PATH };
  const main = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueues.default,
    ...workflowSource,
    activities: createActivities(deps.activityDeps),
    shutdownGraceTime: '10s',
  });
  return [main, await createPdfWorker(deps)];
}

/**
 * The `cohort-pdf` queue: activities only (no workflows), one Chromium for the process
 * (launched on the first render), closed once the worker has drained. Renders are heavy,
 * so few run at once; the grace time lets one in flight finish on shutdown.
 */
async function createPdfWorker(deps: WorkerDeps): Promise<Worker> {
  const { config, knex } = deps.activityDeps;
  const renderer = createPdfRenderer({ executablePath: config.CHROMIUM_PATH });
  const worker = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueues.pdf,
    activities: createPdfActivities({
      config,
      knex,
      blobStore: deps.activityDeps.blobStore ?? createBlobStore(config),
      renderer,
    }),
    maxConcurrentActivityTaskExecutions: 2,
    shutdownGraceTime: '30s',
  });
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      return await run();
    } finally {
      await renderer.close();
    }
  };
  return worker;
}

/** Runs workers until `signal` aborts, then drains them. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
