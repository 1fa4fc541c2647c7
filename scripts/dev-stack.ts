import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../lib/config';
import { createKnex, migrateLatest } from '../lib/db/knex';
import { seedAll } from '../lib/db/seed/index';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { startTsChild, stopManagedChild, type ManagedChild } from './lib/children';
import { resolveDatabase } from './lib/database';
import { loadOrCreateLocalSecrets } from './lib/local-secrets';
import { waitForWorkflowPoller } from './lib/worker-readiness';
import { taskQueues } from '../lib/temporal/task-queues';
import { startOrReuseTemporal } from './lib/temporal-dev';
import { PROJECT_ROOT } from './lib/tools';
import { startStripeStandin } from './stripe-standin/index';

/**
 * `npm start`: the whole of Cohort on one machine with no account anywhere. Temporal
 * (reused or a dev server), PostgreSQL (DATABASE_URL, local, or embedded), migrations
 * and seed, then the worker and the API as child processes until Ctrl-C / SIGTERM.
 *
 * Tunable for tests and crowded machines: PORT, DATA_DIR, TEMPORAL_ADDRESS,
 * TEMPORAL_UI_PORT, LOCAL_POSTGRES_PORT, EMBEDDED_POSTGRES_PORT, DEV_STACK_READY_TIMEOUT (s).
 */
const out = (line: string) => process.stdout.write(`${line}\n`);
const dataDir = resolve(PROJECT_ROOT, process.env.DATA_DIR ?? '.data');
const port = Number(process.env.PORT ?? 3000);
const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const readyTimeoutMs = Number(process.env.DEV_STACK_READY_TIMEOUT ?? 180) * 1000;

/** Undone in reverse order on shutdown: children first, then the servers they talk to. */
const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
const children: ManagedChild[] = [];
let stopping: Promise<never> | undefined;

function shutdown(reason: string, exitCode: number): Promise<never> {
  stopping ??= (async () => {
    out(`\n[dev-stack] stopping (${reason})`);
    const codes = await Promise.all(
      children.map(async (child) => ({ name: child.name, code: await stopManagedChild(child) })),
    );
    for (const { name, code } of codes) {
      if (code !== 0) {
        out(`[dev-stack] ${name} exited with code ${code}`);
        exitCode ||= 1;
      }
    }
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        out(`[dev-stack] stopping ${cleanup.name} failed: ${(error as Error).message}`);
        exitCode ||= 1;
      }
    }
    out('[dev-stack] stopped');
    process.exit(exitCode);
  })();
  return stopping;
}

/**
 * embedded-postgres installs an exit hook that calls process.exit on SIGINT/SIGTERM,
 * which would cut our orderly shutdown short; the stack stops that server itself.
 */
async function withoutForeignSignalHandlers<T>(fn: () => Promise<T>): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await fn();
  } finally {
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
      }
    }
  }
}

async function migrateAndSeed(url: string): Promise<void> {
  const knex = createKnex(url, { max: 2 });
  try {
    await migrateLatest(knex);
    await seedAll(knex);
  } finally {
    await knex.destroy();
  }
}

/**
 * The loopback Stripe stand-in (scripts/stripe-standin), started only when no Stripe
 * key is configured: its URL reaches the API and worker as STRIPE_API_BASE with a
 * stand-in test key, and it signs webhooks with the same STRIPE_WEBHOOK_SECRET the API verifies.
 */
async function startStripeStandinIfNeeded(webhookSecret: string): Promise<Record<string, string>> {
  if (process.env.STRIPE_SECRET_KEY) return {};
  const standin = await startStripeStandin({
    port: process.env.STRIPE_STANDIN_PORT ? Number(process.env.STRIPE_STANDIN_PORT) : undefined,
    webhookUrl: `http://127.0.0.1:${port}/api/payments/webhook`,
    webhookSecret,
  });
  cleanups.push({ name: 'Stripe stand-in', run: () => standin.close() });
  out(`[dev-stack] payments: Stripe stand-in at ${standin.url}`);
  return { STRIPE_API_BASE: standin.url, STRIPE_SECRET_KEY: 'sk_test_standin_cohort_dev' };
}

async function waitForReady(url: string): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited before the stack was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} was not ready within ${readyTimeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));

  const temporal = await startOrReuseTemporal({
    address: process.env.TEMPORAL_ADDRESS,
    uiPort,
    dataDir,
    // The UI decodes payloads through the API (signed in as an admin; see README, "Temporal UI").
    uiCodecEndpoint: `http://localhost:${port}/api/temporal-codec`,
    // Its shutdown chatter is noise once we are stopping it on purpose.
    onOutput: (chunk) => {
      if (!stopping) process.stderr.write(chunk);
    },
  });
  cleanups.push({ name: 'Temporal dev server', run: () => temporal.stop() });
  out(`[dev-stack] temporal: ${temporal.started ? 'started dev server' : 'reusing'} at ${temporal.address}`);

  const db = await withoutForeignSignalHandlers(() => resolveDatabase({ dataDir }));
  cleanups.push({ name: 'PostgreSQL', run: () => db.stop() });
  out(`[dev-stack] database: ${db.source} (${db.url.replace(/\/\/[^@/]*@/, '//')})`);
  await migrateAndSeed(db.url);
  out('[dev-stack] database migrated and seeded');

  const secrets = loadOrCreateLocalSecrets(dataDir);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL ?? temporal.uiUrl,
    ...secrets,
  };
  Object.assign(childEnv, await startStripeStandinIfNeeded(secrets.STRIPE_WEBHOOK_SECRET));
  const config = loadConfig(childEnv); // Every configuration problem, named at once, before anything starts.

  for (const [name, entry] of [
    ['worker', 'worker/main.ts'],
    ['api', 'api/main.ts'],
  ] as const) {
    const child = startTsChild(name, entry, childEnv);
    children.push(child);
    void child.exited.then((code) => {
      if (!stopping) void shutdown(`${name} exited with code ${code}`, 1);
    });
  }
  await waitForReady(`http://127.0.0.1:${port}/readyz`);
  const worker = children[0]!;
  await waitForWorkflowPoller(
    temporalConnectionOptions(config),
    config.TEMPORAL_NAMESPACE,
    taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX).default,
    () => worker.process.exitCode !== null || worker.process.signalCode !== null,
    readyTimeoutMs,
  );

  out('');
  out('Cohort is running:');
  out(`  API          http://localhost:${port}`);
  out(`  API docs     http://localhost:${port}/api/docs`);
  out(`  Temporal UI  ${childEnv.TEMPORAL_UI_URL}`);
  out('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  out(`[dev-stack] ${error instanceof ConfigError ? error.message : (error as Error).stack}`);
  void shutdown('start-up failed', 1);
});
