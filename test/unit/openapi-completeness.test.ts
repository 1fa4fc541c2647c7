import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { loadConfig } from '../../lib/config';
import { createKnex } from '../../lib/db/knex';
import { createLogger } from '../../lib/logger';
import { taskQueues } from '../../lib/temporal/task-queues';

// createApp opens no connection: a lazy Temporal connection and an idle knex pool suffice.
const config = loadConfig({
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  COHORT_ENCRYPTION_KEY: 'ab'.repeat(32),
  LOG_LEVEL: 'silent',
});
const knex = createKnex(config.DATABASE_URL);
const app = createApp({
  config,
  knex,
  temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
  taskQueues: taskQueues(''),
  logger: createLogger('silent'),
});
afterAll(async () => {
  await knex.destroy();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  name: string;
}

/** Every (method, path) the app serves, found by walking Express's router stack. */
function servedOperations(stack: Layer[]): string[] {
  const found: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods))
        // `:id` and a wildcard `*key` (a path of several segments) are both `{name}` in OpenAPI.
        found.push(`${method} ${layer.route.path.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}')}`);
    } else if (layer.handle?.stack) {
      found.push(...servedOperations(layer.handle.stack));
    } else if (typeof layer.rawPath === 'string' && layer.rawPath !== '/') {
      // Middleware mounted on a path of its own (the docs UI) serves GET there.
      found.push(`get ${layer.rawPath}`);
    }
  }
  return [...new Set(found)];
}

function documentedOperations(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method} ${path}`),
  );
}

describe('OpenAPI completeness', () => {
  it('documents every route the app serves, and serves every route it documents', async () => {
    const served = servedOperations((app as unknown as { router: { stack: Layer[] } }).router.stack);
    const res = await new Promise<{ paths: Record<string, Record<string, unknown>> }>((resolve, reject) => {
      const server = app.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        fetch(`http://127.0.0.1:${port}/api/openapi.json`)
          .then((r) => r.json() as Promise<{ paths: Record<string, Record<string, unknown>> }>)
          .then(resolve, reject)
          .finally(() => server.close());
      });
    });
    const documented = documentedOperations(res);
    // Sanity: the walk sees routers from every area, health and docs included.
    expect(served).toEqual(
      expect.arrayContaining([
        'get /healthz',
        'get /readyz',
        'get /api/docs',
        'post /api/auth/signup',
        'post /api/payments/webhook',
        'get /api/progress',
      ]),
    );
    expect(served.length).toBeGreaterThan(35);
    expect(
      served.filter((op) => !documented.includes(op)),
      'served but not in /api/openapi.json',
    ).toEqual([]);
    expect(
      documented.filter((op) => !served.includes(op)),
      'documented but not served',
    ).toEqual([]);
  });
});
