import { Router } from 'express';
import type { Connection } from '@temporalio/client';
import type { AppDeps } from '../deps';

/** Liveness and readiness: readiness checks the database and Temporal, each with a short timeout. */
export function createHealthRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
        return 'ok';
      } catch {
        return 'unavailable';
      }
    };
    const [db, temporal] = await Promise.all([
      check(() => deps.knex.raw('select 1')),
      check(() => (deps.temporal.connection as Connection).healthService.check({})),
    ]);
    res.status(db === 'ok' && temporal === 'ok' ? 200 : 503).json({ db, temporal });
  });
  return router;
}
