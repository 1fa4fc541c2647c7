import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ping } from '../../lib/db/knex';
import type { AppDeps } from '../deps';
import { documentRoute } from '../http/route';
import { checkTemporalHealth } from '../workflows/health';

const check = z.enum(['ok', 'unavailable']);
const readiness = z.object({ db: check, temporal: check });

/** Liveness and readiness: readiness checks the database and Temporal, each with a short timeout. */
export function createHealthRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  documentRoute(registry, {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process is up',
    tags: ['Health'],
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  documentRoute(registry, {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the database and Temporal answer',
    tags: ['Health'],
    responses: {
      200: { description: 'Both ok', schema: readiness },
      503: { description: 'One or both unavailable', schema: readiness },
    },
  });
  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
        ]);
        return 'ok';
      } catch {
        return 'unavailable';
      }
    };
    const [db, temporal] = await Promise.all([
      check(() => ping(deps.knex)),
      check(() => checkTemporalHealth(deps.temporal)),
    ]);
    res.status(db === 'ok' && temporal === 'ok' ? 200 : 503).json({ db, temporal });
  });
  return router;
}
