import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { loadConfig } from '../lib/config';
import { createKnex, migrateLatest } from '../lib/db/knex';
import { seedAll } from '../lib/db/seed/index';
import { createLogger } from '../lib/logger';
import { resolveDatabase } from '../scripts/lib/database';
import { taskQueues } from '../lib/temporal/task-queues';
import { reportLoop, reportRatio, timedLoop, type LoopLimits } from './lib';
import type { Bench } from './types';

/**
 * GET /api/tracks through the real app (middleware, validation, knex, real PostgreSQL)
 * against a bare Express handler answering the same JSON, on loopback in the same run.
 */
const LIMITS: LoopLimits = { maxCount: 20_000, maxMs: 5_000, concurrency: 8 };
const WARM_UP: LoopLimits = { maxCount: 300, maxMs: 2_000, concurrency: 4 };

function listen(app: Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

async function measure(url: string) {
  const call = async () => {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    await res.arrayBuffer();
  };
  await timedLoop(WARM_UP, call);
  return timedLoop(LIMITS, call);
}

const bench: Bench = async (ctx) => {
  const db = await resolveDatabase();
  const knex = createKnex(db.url);
  await migrateLatest(knex);
  await seedAll(knex);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    COHORT_ENCRYPTION_KEY: '0'.repeat(64),
    LOG_LEVEL: 'silent',
  });
  // GET /api/tracks never calls Temporal: a lazy connection that is never dialled.
  const temporal = new Client({ connection: Connection.lazy({ address: config.TEMPORAL_ADDRESS }) });
  const real = await listen(
    createApp({ config, knex, temporal, taskQueues: taskQueues(), logger: createLogger('silent') }),
  );

  const payload = await (await fetch(`${real.url}/api/tracks`)).json();
  const bare = express();
  bare.get('/api/tracks', (_req, res) => {
    res.json(payload);
  });
  const baseline = await listen(bare);

  try {
    const baselineResult = await measure(`${baseline.url}/api/tracks`);
    const appResult = await measure(`${real.url}/api/tracks`);
    reportLoop(ctx, 'api_tracks', appResult);
    reportLoop(ctx, 'bare_express', baselineResult);
    reportRatio(ctx, 'api_tracks_rps', appResult.perSecond, baselineResult.perSecond);
    reportRatio(ctx, 'api_tracks_p99', appResult.p99, baselineResult.p99);
  } finally {
    real.server.close();
    baseline.server.close();
    await knex.destroy();
    await db.stop();
  }
};

export default bench;
