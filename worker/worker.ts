import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../activities/index';
import { createWorkspaceActivities, type WorkspaceActivityDeps } from '../activities/workspace';
import type { TaskQueueKind, TaskQueues } from '../lib/temporal/task-queues';
import { createPdfActivities } from '../activities/pdf';
import { createPdfRenderer, PDF_RENDER_CONCURRENCY } from '../lib/adapters/pdf';
import type { Tracing } from '../lib/tracing';
import { WORKFLOW_INTERCEPTOR_MODULES, workerTracingOptions } from './tracing';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles `workflowsPath` (Cohort's workflows by default) without the bundler's chatter. */
export function buildWorkflowBundle(workflowsPath = WORKFLOWS_PATH) {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
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
  /** cohortDataConverter(config): payloads are encrypted (its codec runs in the worker, outside the bundle). */
  dataConverter: DataConverter;
  taskQueues: TaskQueues;
  /** WORKER_QUEUES: the queues this process serves (default all). */
  queues?: readonly TaskQueueKind[];
  /** The workspace queue's activities (only this worker holds the workspace admin connection). */
  workspaceActivityDeps?: WorkspaceActivityDeps;
  /** A prebuilt bundle (tests, production images); else workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** OpenTelemetry on: activity spans and the workflows' spans exported; else workflow spans are dropped. */
  tracing?: Tracing;
}

/** The workers of one process: the default queue now; pdf and workspace queues join as they come. */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const serves = (kind: TaskQueueKind) => (deps.queues ?? ['default', 'pdf', 'workspace']).includes(kind);
  const workers: Worker[] = [];
  if (serves('default'))
    workers.push(
      await Worker.create({
        connection: deps.connection,
        namespace: deps.namespace,
        dataConverter: deps.dataConverter,
        taskQueue: deps.taskQueues.default,
        // Bundled here when not prebuilt, by the same function as `npm run build` (interceptor modules included).
        workflowBundle: deps.workflowBundle ?? { code: (await buildWorkflowBundle()).code },
        activities: createActivities(deps.activityDeps),
        shutdownGraceTime: '10s',
        ...workerTracingOptions(deps.tracing),
      }),
    );
  if (serves('pdf')) workers.push(await createPdfWorker(deps));
  if (serves('workspace') && deps.workspaceActivityDeps)
    workers.push(
      await Worker.create({
        connection: deps.connection,
        namespace: deps.namespace,
        dataConverter: deps.dataConverter,
        taskQueue: deps.taskQueues.workspace,
        activities: createWorkspaceActivities(deps.workspaceActivityDeps),
        shutdownGraceTime: '10s',
        ...workerTracingOptions(deps.tracing),
      }),
    );
  return workers;
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
    dataConverter: deps.dataConverter,
    taskQueue: deps.taskQueues.pdf,
    activities: createPdfActivities({
      config,
      knex,
      blobStore: deps.activityDeps.blobs,
      renderer,
    }),
    maxConcurrentActivityTaskExecutions: PDF_RENDER_CONCURRENCY,
    shutdownGraceTime: '30s',
    ...workerTracingOptions(deps.tracing),
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
