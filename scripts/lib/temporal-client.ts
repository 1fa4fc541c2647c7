import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { configSchema } from '../../lib/config';
import { cohortDataConverter } from '../../lib/temporal-codec/index';
import { taskQueues, type TaskQueues } from '../../lib/temporal/task-queues';
import { PROJECT_ROOT } from './tools';

const keySchema = configSchema.pick({ COHORT_ENCRYPTION_KEY: true, COHORT_PREVIOUS_ENCRYPTION_KEYS: true });

/**
 * The payload keys: COHORT_ENCRYPTION_KEY (and COHORT_PREVIOUS_ENCRYPTION_KEYS) when set, else
 * the key `npm start` keeps in DATA_DIR/secrets.json. Never a new one: payloads sealed under
 * a key the workers do not hold could not be read.
 */
function payloadKeys(env: Record<string, string | undefined>) {
  const file = resolve(PROJECT_ROOT, env.DATA_DIR || '.data', 'secrets.json');
  const stored = !env.COHORT_ENCRYPTION_KEY && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const parsed = keySchema.safeParse({
    COHORT_ENCRYPTION_KEY: env.COHORT_ENCRYPTION_KEY || stored.COHORT_ENCRYPTION_KEY,
    COHORT_PREVIOUS_ENCRYPTION_KEYS: env.COHORT_PREVIOUS_ENCRYPTION_KEYS || undefined,
  });
  if (!parsed.success)
    throw new Error(
      `Set COHORT_ENCRYPTION_KEY to the workers' key (Temporal payloads are encrypted): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * A Temporal client for command-line tools, from the same variables as the worker
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE_PREFIX, TEMPORAL_TLS_CERT/KEY,
 * and the encryption key its payload codec needs) but without the rest of the
 * configuration: a command that only talks to Temporal needs no database URL.
 */
export async function connectTemporalFromEnv(env: Record<string, string | undefined> = process.env): Promise<{
  client: Client;
  dataConverter: ReturnType<typeof cohortDataConverter>;
  taskQueues: TaskQueues;
  close(): Promise<void>;
}> {
  const dataConverter = cohortDataConverter(payloadKeys(env));
  const cert = env.TEMPORAL_TLS_CERT || undefined;
  const key = env.TEMPORAL_TLS_KEY || undefined;
  const connection = await Connection.connect({
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    ...(cert && key ? { tls: { clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) } } } : {}),
  });
  return {
    client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default', dataConverter }),
    dataConverter,
    taskQueues: taskQueues(env.TEMPORAL_TASK_QUEUE_PREFIX ?? ''),
    close: () => connection.close(),
  };
}
