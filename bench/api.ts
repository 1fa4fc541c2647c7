import express from 'express';
import { createKnex, migrateLatest } from '../lib/db/knex';
import { seedAll } from '../lib/db/seed/index';
import { resolveDatabase } from '../scripts/lib/database';
import { reportLoop, reportRatio, timedLoop, type LoopLimits } from './lib';
import { listen, listenApi } from './support/app';
import type { Bench } from './types';

/**
 * GET /api/tracks through the real app (middleware, validation, knex, real PostgreSQL)
 * against a bare Express handler answering the same JSON, on loopback in the same run.
 */
const LIMITS: LoopLimits = { maxCount: 20_000, maxMs: 5_000, concurrency: 8 };
const WARM_UP: LoopLimits = { maxCount: 300, maxMs: 2_000, concurrency: 4 };

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
  // GET /api/tracks never calls Temporal.
  const real = await listenApi(db.url, knex);

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
