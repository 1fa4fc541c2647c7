import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { taskQueues, type TaskQueues } from '../../lib/temporal/task-queues';

/**
 * A Temporal client for command-line tools, from the same variables as the worker
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE_PREFIX, TEMPORAL_TLS_CERT/KEY)
 * but without the rest of the configuration: a command that only talks to Temporal
 * needs no database URL or encryption key.
 */
export async function connectTemporalFromEnv(
  env: Record<string, string | undefined> = process.env,
): Promise<{ client: Client; taskQueues: TaskQueues; close(): Promise<void> }> {
  const cert = env.TEMPORAL_TLS_CERT || undefined;
  const key = env.TEMPORAL_TLS_KEY || undefined;
  const connection = await Connection.connect({
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    ...(cert && key ? { tls: { clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) } } } : {}),
  });
  return {
    client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' }),
    taskQueues: taskQueues(env.TEMPORAL_TASK_QUEUE_PREFIX ?? ''),
    close: () => connection.close(),
  };
}
