import { loadConfig } from '../lib/config';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { taskQueues } from '../lib/temporal/task-queues';
import { waitForWorkflowPoller } from './lib/worker-readiness';

/**
 * Container health checks (docker-compose.yml): `api` asks the API's /readyz;
 * `worker` asks Temporal whether a worker polls the default task queue.
 */
const kind = process.argv[2];
const config = loadConfig();
try {
  if (kind === 'api') {
    const res = await fetch(`http://127.0.0.1:${config.PORT}/readyz`, { signal: AbortSignal.timeout(4_000) });
    if (!res.ok) throw new Error(`/readyz answered ${res.status}`);
  } else if (kind === 'worker') {
    const queue = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX).default;
    await waitForWorkflowPoller(
      temporalConnectionOptions(config),
      config.TEMPORAL_NAMESPACE,
      queue,
      () => false,
      4_000,
    );
  } else {
    throw new Error('usage: healthcheck.ts api|worker');
  }
  process.exit(0);
} catch (error) {
  process.stderr.write(`unhealthy: ${(error as Error).message}\n`);
  process.exit(1);
}
