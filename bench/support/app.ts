import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { loadConfig } from '../../lib/config';
import type { Knex } from '../../lib/db/knex';
import { createLogger } from '../../lib/logger';
import { taskQueues } from '../../lib/temporal/task-queues';

/** An Express app on a loopback port. */
export function listen(app: Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

/**
 * The real API on a loopback port, on the database at `databaseUrl`, logging nothing, for
 * routes that never call Temporal: its connection is lazy and never dialled.
 */
export async function listenApi(databaseUrl: string, knex: Knex): Promise<{ server: Server; url: string }> {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    COHORT_ENCRYPTION_KEY: '0'.repeat(64),
    LOG_LEVEL: 'silent',
  });
  const temporal = new Client({ connection: Connection.lazy({ address: config.TEMPORAL_ADDRESS }) });
  return listen(createApp({ config, knex, temporal, taskQueues: taskQueues(), logger: createLogger('silent') }));
}
