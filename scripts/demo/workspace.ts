import pg from 'pg';
import { studentToken as token } from './runner';
import type { DemoStage } from './types';

/**
 * The DP workspace stages, run inside the learning journey: after project 1 starts, the
 * student's credentials open their own schema; after project 1 completes, it is gone.
 */
export const workspaceCredentialsStage: DemoStage = {
  name: 'workspace credentials work',
  async run(ctx) {
    if (ctx.state.track !== 'DP') return;
    const creds = await ctx.waitFor(
      'workspace ready',
      async () => {
        const res = await ctx.request('GET', '/api/workspace/db-credentials', { token: token(ctx) });
        if (res.status === 200) return res.body;
        if (res.status !== 409) throw new Error(`GET /api/workspace/db-credentials answered ${res.status}`);
        return undefined;
      },
      30_000,
    );
    const client = new pg.Client({ connectionString: creds.connectionString });
    await client.connect();
    try {
      await client.query('CREATE TABLE IF NOT EXISTS demo_orders (id int primary key, total numeric)');
      await client.query('INSERT INTO demo_orders VALUES (1, 42) ON CONFLICT DO NOTHING');
      const rows = (await client.query('SELECT total::int AS total FROM demo_orders')).rows;
      if (rows[0]?.total !== 42) throw new Error('the workspace did not return what was written');
    } finally {
      await client.end();
    }
    ctx.state.workspaceConnectionString = creds.connectionString;
  },
};

export const workspaceDeprovisionedStage: DemoStage = {
  name: 'workspace deprovisioned once project 1 completed',
  async run(ctx) {
    if (ctx.state.track !== 'DP') return;
    await ctx.waitFor(
      'workspace deprovisioned',
      async () => {
        const res = await ctx.request('GET', '/api/progress', { token: token(ctx) });
        return res.body?.workspace?.status === 'DEPROVISIONED' ? true : undefined;
      },
      30_000,
    );
  },
};

/** Run from learning.ts, in the middle of its journey. */
export const stages: DemoStage[] = [];
